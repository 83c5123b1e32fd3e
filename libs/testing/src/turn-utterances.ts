/**
 * Utterances as a caller says them up to a mid-sentence pause (unfinished), and finished ones, in
 * English and Hindi (Latin and Devanagari script). Used by the completeness rules' tests and the
 * end-of-turn bench (deploy/bench/src/end-of-turn.ts).
 */
export const UNFINISHED_UTTERANCES = [
  // English
  'I want to book a ticket and',
  'my number is',
  'my number is nine eight four five',
  'my phone number is nine eight double four',
  'the account number is one two three',
  'I would like to pay the bill but',
  'can you check my order because',
  'I need a table for two on',
  'I am calling about the',
  'send it to my',
  'I was charged twice for',
  'my pin is four',
  'the delivery should come to',
  'I want to cancel or',
  'um so my order was',
  'I spoke to your agent yesterday and he said that the refund would be',
  'please transfer the amount to',
  'my name is',
  'the order number is seven seven',
  'I want to change the address of',
  'could you tell me if',
  'I will be there at',
  'I think the problem is with the',
  'my mobile number is nine eight seven six five',
  // Hindi (Latin)
  'mujhe ek ticket book karni hai aur',
  'mera number',
  'mera number hai',
  'mera mobile number nau aath saat',
  'main kal aaunga lekin',
  'mujhe refund chahiye kyunki',
  'order ka status batao ya',
  'yeh payment mere account se',
  'mujhe pata karna tha ki',
  'delivery ke',
  'pin code hai',
  // Hindi (Devanagari)
  'मुझे टिकट बुक करना है और',
  'मेरा नंबर',
  'मेरा नंबर है नौ आठ सात',
  'मैं कल आऊँगा लेकिन',
  'मुझे रिफंड चाहिए क्योंकि',
  'पैसे मेरे खाते से',
  'मुझे जानना था कि',
  'ऑर्डर का',
] as const;

export const COMPLETE_UTTERANCES = [
  'What time does the store close?',
  'Can you tell me the status of my order?',
  'Please cancel my booking.',
  'I want to cancel it.',
  'Thank you.',
  'what is my account number',
  'my number is nine eight four five six seven three two one zero',
  'mujhe refund chahiye',
  'mera order kab aayega?',
  'kya aap meri madad kar sakte hain',
  'मुझे टिकट चाहिए',
  'मेरा ऑर्डर कहाँ है?',
  'धन्यवाद',
] as const;

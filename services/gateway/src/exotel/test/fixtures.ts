/** Fixtures from exotel.md §11, verbatim (one frame per line). */

export const CONNECTED: readonly string[] = [
  '{"event":"connected"}',
  '{"event": "connected"}',
  '{"event":"connected","protocol":"Call","version":"1.0.0"}',
  '{"event":"connected","timestamp":"2026-08-21T10:15:02.114Z"}',
  '{"event":"connected","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2"}',
];

export const START: readonly string[] = [
  '{"event":"start","sequence_number":"1","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","start":{"stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","call_sid":"37ad7a2adfda919720942210af293270","account_sid":"acmevoice1","from":"+919876543210","to":"+918047491899","custom_parameters":{"tenant":"t42","agent":"collections"},"media_format":{"encoding":"audio/x-raw","sample_rate":"8000","bit_rate":"16"}}}',
  '{"event":"start","sequence_number":1,"stream_sid":"047ecaad362553b44316e8b7fefdf073","start":{"stream_sid":"047ecaad362553b44316e8b7fefdf073","call_sid":"301de34dbccf13bc28493b813f15637b","account_sid":"acmevoice1","from":"09876543210","to":"08047491899","custom_parameters":{"key1":"value1","key2":"value2"},"media_format":{"encoding":"raw","sample_rate":"8000","bit_rate":"128"}}}',
  '{"event":"start","sequence_number":"1","stream_sid":"6f048d2e897a0d2d4029560f3f541947","start":{"stream_sid":"6f048d2e897a0d2d4029560f3f541947","call_sid":"80bfbec2d78bbbf10fb851f4fa165211","account_sid":"exotel","from":"+918888000000","to":"+912233344455","custom_parameters":{},"media_format":{"encoding":"base64","sample_rate":"8000","bit_rate":"128kbps"}}}',
  '{"event":"start","sequence_number":"1","stream_sid":"c3a1f0e2b4d64e8f9a7b6c5d4e3f2a10","start":{"stream_sid":"c3a1f0e2b4d64e8f9a7b6c5d4e3f2a10","call_sid":"d9e8f7a6b5c44d3e2f1a0b9c8d7e6f5a","account_sid":"acmevoice1","from":"+919812345678","to":"+918047491899","custom_parameters":{"session_type":"support"},"media_format":{"encoding":"audio/x-raw","sample_rate":"16000","bit_rate":"16"}}}',
  '{"event":"start","sequence_number":"1","stream_sid":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","start":{"stream_sid":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","call_sid":"f0e1d2c3b4a5968778695a4b3c2d1e0f","account_sid":"acmevoice1","from":"+917021235464","to":"+918047491899","custom_parameters":{"lead":"L-10023"},"media_format":{"encoding":"audio/x-raw","sample_rate":"24000","bit_rate":"16"}}}',
  '{"event":"start","sequence_number":1,"stream_sid":"a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2","start":{"stream_sid":"a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2","call_sid":"1f2e3d4c5b6a79887766554433221100","account_sid":"acmevoice1","from":"+919876543210","to":"+918047491899","media_format":{"encoding":"raw/slin","sample_rate":8000,"bit_rate":16}}}',
  '{"event":"start","sequence_number":"1","stream_sid":"5e4d3c2b1a09f8e7d6c5b4a392817060","start":{"stream_sid":"5e4d3c2b1a09f8e7d6c5b4a392817060","call_sid":"aa11bb22cc33dd44ee55ff6677889900","account_sid":"acmevoice1","from":"+919876543210","to":"+918047491899","custom_parameters":{}}}',
  '{"event":"start","streamSid":"b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6","sequenceNumber":"1","start":{"streamSid":"b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6","callSid":"0f9e8d7c6b5a49382716051423324150","accountSid":"acmevoice1","from":"+919876543210","to":"+918047491899","custom_parameters":{"k":"v"},"media_format":{"encoding":"audio/x-raw","sample_rate":"8000","bit_rate":"16"}}}',
];

export const MEDIA: readonly string[] = [
  '{"event":"media","sequence_number":"2","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","media":{"chunk":"1","timestamp":"100","payload":"AACVCusT5RqyHt0eYhuqFIAL+wBY9tnsnuWB4QDhKOQ="}}',
  '{"event":"media","sequence_number":"3","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","media":{"chunk":"2","timestamp":"200","payload":"nOqX8wr+twheEtgZRB4cH0YcGBZODfACO/hw7rjm/uE="}}',
  '{"event":"media","sequence_number":4,"stream_sid":"047ecaad362553b44316e8b7fefdf073","media":{"chunk":3,"timestamp":"300","payload":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}',
  '{"event":"media","sequence_number":"2","stream_sid":"c3a1f0e2b4d64e8f9a7b6c5d4e3f2a10","media":{"chunk":"1","timestamp":"100","payload":"AABfBZUKew/rE8MX5Ro7HbIePx/dHpAdYhtjGKoUUxA="}}',
  '{"event":"media","sequence_number":"2","stream_sid":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","media":{"chunk":"1","timestamp":"100","payload":"AACXAyIHlQrlDQUR6xOOFuQY5RqMHNEdsh4qHzgf3R4="}}',
  '{"event":"media","sequence_number":"9","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","media":{"chunk":"7","timestamp":"700","payload":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}',
  '{"event":"media","sequence_number":"12","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","media":{"chunk":"10","timestamp":"1000","payload":"AACVCusT5RqyHt0eYhuqFIAL+wBY9tnsnuWB4QDhKOQ="}}',
  '{"event":"media","sequence_number":"5","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","media":{"track":"inbound","chunk":"4","timestamp":"400","payload":"nOqX8wr+twheEtgZRB4cH0YcGBZODfACO/hw7rjm/uE="}}',
  '{"event":"media","streamSid":"b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6","sequenceNumber":"2","media":{"chunk":"1","timestamp":"100","payload":"AACVCusT5RqyHt0eYhuqFIAL+wBY9tnsnuWB4QDhKOQ="}}',
];

export const DTMF: readonly string[] = [
  '{"event":"dtmf","sequence_number":"8","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","dtmf":{"digit":"5","duration":"100"}}',
  '{"event":"dtmf","sequence_number":1,"stream_sid":"047ecaad362553b44316e8b7fefdf073","dtmf":{"duration":"200","digit":"1"}}',
  '{"event":"dtmf","sequence_number":"21","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","dtmf":{"digit":"#","duration":"120"}}',
  '{"event":"dtmf","sequence_number":"22","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","dtmf":{"digit":"*","duration":"90"}}',
  '{"event":"dtmf","sequence_number":"23","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","dtmf":{"digit":"0","duration":"160"}}',
  '{"event":"dtmf","sequence_number":"24","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","dtmf":{"digit":"9"}}',
  '{"event":"dtmf","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","digit":"5"}',
  '{"event":"dtmf","sequence_number":"25","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","dtmf":{"digit":"A","duration":"100"}}',
];

export const MARK: readonly string[] = [
  '{"event":"mark","sequence_number":"15","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","mark":{"name":"my-label"}}',
  '{"event":"mark","sequence_number":16,"stream_sid":"047ecaad362553b44316e8b7fefdf073","mark":{"name":"turn-3-end"}}',
  '{"event":"mark","sequence_number":"31","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","mark":{"name":"41cf8a18-f02d-483a-905b-498b10ed967b"}}',
  '{"event":"mark","sequence_number":"32","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","mark":{"name":"greeting"}}',
  '{"event":"mark","sequence_number":"40","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","mark":{"name":"resp:7:chunk:12"}}',
  '{"event":"mark","sequence_number":"41","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","mark":{"name":"unknown-never-sent"}}',
];

export const STOP: readonly string[] = [
  '{"event":"stop","sequence_number":"20","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","stop":{"call_sid":"37ad7a2adfda919720942210af293270","account_sid":"acmevoice1","reason":"callended"}}',
  '{"event":"stop","sequence_number":10,"stream_sid":"047ecaad362553b44316e8b7fefdf073","stop":{"call_sid":"301de34dbccf13bc28493b813f15637b","account_sid":"acmevoice1","reason":"stopped"}}',
  '{"event":"stop","sequence_number":"873","stream_sid":"c3a1f0e2b4d64e8f9a7b6c5d4e3f2a10","stop":{"call_sid":"d9e8f7a6b5c44d3e2f1a0b9c8d7e6f5a","account_sid":"acmevoice1","reason":"callended"}}',
  '{"event":"stop","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","stop":{"reason":"callended"}}',
  '{"event":"stop","sequence_number":"2","stream_sid":"5e4d3c2b1a09f8e7d6c5b4a392817060","stop":{"call_sid":"aa11bb22cc33dd44ee55ff6677889900","account_sid":"acmevoice1","reason":"callended"}}',
  '{"event":"stop","sequence_number":"21","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2"}',
];

export const NEGATIVE: readonly string[] = [
  '{"event":"teleport","x":1}',
  '{"no_event":1}',
  '{not json',
  '{"event":"media","sequence_number":"3","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","media":{"chunk":"2","timestamp":"200","payload":"!!!notbase64"}}',
  '{"event":"media","sequence_number":"3","stream_sid":"ffffffffffffffffffffffffffffffff","media":{"chunk":"2","timestamp":"200","payload":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}',
  '{"event":"clear","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2"}',
];

export const OUTBOUND: readonly string[] = [
  '{"event":"media","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","media":{"payload":"<base64 of k*320 bytes PCM16LE @ session rate>"}}',
  '{"event":"mark","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2","mark":{"name":"turn-3-end"}}',
  '{"event":"clear","stream_sid":"919e7c249af3aa2d37bf7ef5c41551f2"}',
];

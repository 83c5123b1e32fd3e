/**
 * The one owner of a call's turn numbers. The agent turn that answers utterance n is turn n; the
 * greeting is turn 0. Agent speech that answers no new utterance (a DTMF answer, the idle prompt,
 * a goodbye) continues the latest agent turn — or takes the number of a newer utterance that got
 * no answer — so turn numbers never go back for TTS and the gateway.
 */
export class AgentTurns {
  /** The latest agent turn (-1: none yet). */
  private latestTurn = -1;
  /** The newest utterance seen (started or final). */
  private latestUtterance = 0;
  /** The newest utterance given to the model (so an utterance is never answered twice). */
  private answeredUtterance = 0;

  /** The caller's utterance n was seen (started, final, or ended without words). */
  heard(utterance: number): void {
    this.latestUtterance = Math.max(this.latestUtterance, utterance);
  }

  /** Whether utterance n was already given to the model. */
  isAnswered(utterance: number): boolean {
    return utterance <= this.answeredUtterance;
  }

  /** The turn that answers utterance n (it counts as answered from now on). */
  answer(utterance: number): number {
    this.replayAnswered(utterance);
    return this.take(Math.max(utterance, this.latestTurn));
  }

  /** The turn of agent speech that answers no new utterance: a DTMF answer, the idle prompt, a goodbye. */
  initiative(): number {
    return this.take(this.latestUtterance > this.latestTurn ? this.latestUtterance : Math.max(this.latestTurn, 0));
  }

  /** The greeting's turn: 0. */
  greeting(): number {
    return this.take(0);
  }

  /** Replay of the event log: utterance n was given to the model (whether or not it got its answer). */
  replayAnswered(utterance: number): void {
    this.heard(utterance);
    this.answeredUtterance = Math.max(this.answeredUtterance, utterance);
  }

  /** Replay of the event log: the agent spoke in `turn`. */
  replaySpoke(turn: number): void {
    this.take(turn);
  }

  private take(turn: number): number {
    this.latestTurn = Math.max(this.latestTurn, turn);
    return turn;
  }
}

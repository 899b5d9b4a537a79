package io.kvstore.chaos.checker;

import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.Operation;

/**
 * A sequential specification for the linearizability checker: the state of one partition (one
 * key, or one group of keys) and what each operation does to it. States must be immutable and
 * implement {@code equals}/{@code hashCode} by value (the checker memoises on them).
 *
 * @param <S> the state type
 */
public interface Model<S> {
  S init();

  /**
   * The state after {@code op} is applied in {@code state} with the result {@code op} reports, or
   * null if it could not have returned that result in that state. For an operation whose outcome
   * is unknown, the state it would leave if it took effect now.
   */
  S step(S state, Operation op);

  /**
   * Whether the checker must place {@code op}: acknowledged ones always; failed ones never (they
   * did not happen); unknown ones only if they could change the state.
   */
  default boolean relevant(Operation op) {
    if (op.type() == Event.Type.FAIL) {
      return false;
    }
    return op.ok() || !readOnly(op);
  }

  /** Whether {@code op} never changes the state (an unknown read is then simply dropped). */
  boolean readOnly(Operation op);
}

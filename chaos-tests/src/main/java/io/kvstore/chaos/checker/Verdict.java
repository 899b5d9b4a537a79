package io.kvstore.chaos.checker;

/** A checker's answer. {@link #UNKNOWN} (it ran out of time) fails a run as {@link #INVALID} does. */
public enum Verdict {
  VALID, INVALID, UNKNOWN;

  public static Verdict worst(Verdict a, Verdict b) {
    return a.ordinal() >= b.ordinal() ? a : b;
  }
}

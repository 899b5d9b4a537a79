package io.kvstore.chaos.history;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;

/**
 * One line of a history, in Jepsen's shape: a {@code process} invokes operation {@code f} on
 * {@code key} with {@code value} ({@code type} {@link Type#INVOKE}), and later the same process
 * completes it ({@link Type#OK}: it happened, with the result in {@code value}; {@link Type#FAIL}:
 * it certainly did not happen; {@link Type#INFO}: unknown, it may happen at any time after its
 * invocation). {@code time} is {@link System#nanoTime()} of the test JVM. Immutable.
 *
 * @param index position in the history, from 0
 * @param process the logical client; a process whose op ended in {@code info} is never used again
 * @param type invoke, ok, fail or info
 * @param f the operation ("read", "write", "cas", "txn", ...)
 * @param key the key (or key group) the operation is about; the checkers partition on it
 * @param value the argument (invoke) or the result (completion); never null, JSON null instead
 * @param time nanoTime of the event
 * @param error why it failed or is unknown; null for invoke and ok
 */
public record Event(long index, int process, Type type, String f, String key, JsonElement value,
    long time, String error) {
  public Event {
    value = value == null ? JsonNull.INSTANCE : value;
  }

  /** The kind of a history event. */
  public enum Type {
    INVOKE, OK, FAIL, INFO;

    public String json() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Type of(String json) {
      return valueOf(json.toUpperCase(java.util.Locale.ROOT));
    }
  }
}

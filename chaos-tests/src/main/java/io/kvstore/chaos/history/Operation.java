package io.kvstore.chaos.history;

import com.google.gson.JsonElement;

/**
 * An invocation paired with its completion, what the checkers consume. An operation whose outcome
 * is unknown ({@link Event.Type#INFO}, or never completed) has {@code end == Long.MAX_VALUE}: it is
 * concurrent with everything after its start. Immutable.
 *
 * @param id position among the history's operations, from 0
 * @param process the process that ran it
 * @param f the operation
 * @param key its key or key group
 * @param input the invocation's value
 * @param type the completion's type: ok, fail or info
 * @param output the completion's value (JSON null for info)
 * @param start nanoTime of the invocation
 * @param end nanoTime of the completion, or {@code Long.MAX_VALUE} if unknown
 */
public record Operation(int id, int process, String f, String key, JsonElement input,
    Event.Type type, JsonElement output, long start, long end) {
  public static final long NEVER = Long.MAX_VALUE;

  public boolean ok() {
    return type == Event.Type.OK;
  }

  public boolean unknown() {
    return type == Event.Type.INFO;
  }

  /** The acknowledged revision ({@code output.rev}), or -1. */
  public long revision() {
    if (output != null && output.isJsonObject() && output.getAsJsonObject().has("rev")) {
      return output.getAsJsonObject().get("rev").getAsLong();
    }
    return -1;
  }

  @Override
  public String toString() {
    return "{id " + id + ", process " + process + ", " + f + " " + key + " " + input + " -> "
        + type.json() + " " + output + ", [" + start + ", " + (end == NEVER ? "inf" : end)
        + "]}";
  }
}

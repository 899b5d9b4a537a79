package io.kvstore.chaos.checker;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonParser;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.Operation;
import java.util.ArrayList;
import java.util.List;

/** Hand-made histories: operations with explicit times. */
final class Ops {
  private final List<Operation> ops = new ArrayList<>();

  private Ops add(int process, String f, String key, String input, Event.Type type,
      String output, long start, long end) {
    JsonElement in = input == null ? JsonNull.INSTANCE : JsonParser.parseString(input);
    JsonElement out = output == null ? JsonNull.INSTANCE : JsonParser.parseString(output);
    ops.add(new Operation(ops.size(), process, f, key, in, type, out, start,
        type == Event.Type.INFO ? Operation.NEVER : end));
    return this;
  }

  Ops ok(int process, String f, String key, String input, String output, long start, long end) {
    return add(process, f, key, input, Event.Type.OK, output, start, end);
  }

  Ops info(int process, String f, String key, String input, long start) {
    return add(process, f, key, input, Event.Type.INFO, null, start, 0);
  }

  Ops fail(int process, String f, String key, String input, long start, long end) {
    return add(process, f, key, input, Event.Type.FAIL, null, start, end);
  }

  /** A register write of {@code v}, acknowledged at revision {@code rev}. */
  Ops write(int p, String key, String v, long rev, long start, long end) {
    return ok(p, "write", key, "{\"v\":\"" + v + "\"}",
        "{\"v\":\"" + v + "\",\"rev\":" + rev + "}", start, end);
  }

  /** A register read that saw {@code v} (null: absent) at revision {@code rev}. */
  Ops read(int p, String key, String v, long rev, long start, long end) {
    String val = v == null ? "null" : "\"" + v + "\"";
    return ok(p, "read", key, null, "{\"v\":" + val + ",\"rev\":" + rev + "}", start, end);
  }

  List<Operation> list() {
    return List.copyOf(ops);
  }
}

package io.kvstore.chaos.history;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A recorded history: events appended by concurrent processes, written as JSON lines (one event a
 * line, Jepsen's field names plus {@code key}) and read back for offline checking.
 *
 * <p>Thread-safety: {@link #invoke} and {@link #complete} are safe for concurrent use; the rules
 * of a history still apply (a process completes its op before invoking the next).
 */
public final class History {
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping()
      .create();

  private final List<Event> events = new ArrayList<>();
  private final LongSupplier clock;

  public History() {
    this(System::nanoTime);
  }

  public History(LongSupplier clock) {
    this.clock = clock;
  }

  /** Records an invocation and returns it (pass it to {@link #complete}). */
  public synchronized Event invoke(int process, String f, String key, JsonElement value) {
    Event e = new Event(events.size(), process, Event.Type.INVOKE, f, key, value,
        clock.getAsLong(), null);
    events.add(e);
    return e;
  }

  /** Records the completion of {@code invocation}. */
  public synchronized Event complete(Event invocation, Event.Type type, JsonElement value,
      String error) {
    if (type == Event.Type.INVOKE) {
      throw new IllegalArgumentException("a completion cannot be an invoke");
    }
    Event e = new Event(events.size(), invocation.process(), type, invocation.f(),
        invocation.key(), value, clock.getAsLong(), error);
    events.add(e);
    return e;
  }

  /** Appends an already made event (for building histories by hand in tests). */
  public synchronized void add(Event e) {
    events.add(e);
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** Pairs every invocation with its process's next completion (none: unknown, end never). */
  public static List<Operation> operations(List<Event> events) {
    Map<Integer, Event> open = new HashMap<>();
    Map<Integer, Integer> slot = new HashMap<>();
    List<Operation> ops = new ArrayList<>();
    for (Event e : events) {
      if (e.type() == Event.Type.INVOKE) {
        if (open.containsKey(e.process())) {
          throw new IllegalArgumentException("process " + e.process()
              + " invoked again before its op completed, at event " + e.index());
        }
        open.put(e.process(), e);
        slot.put(e.process(), ops.size());
        ops.add(null);
      } else {
        Event inv = open.remove(e.process());
        if (inv == null) {
          throw new IllegalArgumentException("completion without invocation at event "
              + e.index());
        }
        long end = e.type() == Event.Type.INFO ? Operation.NEVER : e.time();
        int id = slot.remove(e.process());
        ops.set(id, new Operation(id, e.process(), inv.f(), inv.key(), inv.value(), e.type(),
            e.value(), inv.time(), end));
      }
    }
    for (Map.Entry<Integer, Event> left : open.entrySet()) {
      Event inv = left.getValue();
      int id = slot.get(left.getKey());
      ops.set(id, new Operation(id, inv.process(), inv.f(), inv.key(), inv.value(),
          Event.Type.INFO, JsonNull.INSTANCE, inv.time(), Operation.NEVER));
    }
    return ops;
  }

  public List<Operation> operations() {
    return operations(events());
  }

  public static String toJson(Event e) {
    JsonObject o = new JsonObject();
    o.addProperty("index", e.index());
    o.addProperty("process", e.process());
    o.addProperty("type", e.type().json());
    o.addProperty("f", e.f());
    o.addProperty("key", e.key());
    o.add("value", e.value());
    o.addProperty("time", e.time());
    if (e.error() != null) {
      o.addProperty("error", e.error());
    }
    return GSON.toJson(o);
  }

  public static Event fromJson(String line) {
    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
    return new Event(o.get("index").getAsLong(), o.get("process").getAsInt(),
        Event.Type.of(o.get("type").getAsString()), o.get("f").getAsString(),
        o.has("key") && !o.get("key").isJsonNull() ? o.get("key").getAsString() : null,
        o.has("value") ? o.get("value") : JsonNull.INSTANCE, o.get("time").getAsLong(),
        o.has("error") && !o.get("error").isJsonNull() ? o.get("error").getAsString() : null);
  }

  public void write(Path file) throws IOException {
    write(events(), file);
  }

  public static void write(List<Event> events, Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Event e : events) {
        w.write(toJson(e));
        w.newLine();
      }
    }
  }

  public static List<Event> read(Path file) throws IOException {
    List<Event> events = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        events.add(fromJson(line));
      }
    }
    return events;
  }

  public static Gson gson() {
    return GSON;
  }
}

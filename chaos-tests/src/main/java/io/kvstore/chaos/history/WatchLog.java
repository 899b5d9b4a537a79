package io.kvstore.chaos.history;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every watcher received, in order: its start, each delivery (one watch response: the events
 * of one or more revisions, or a progress notification), and how it ended. Written as JSON lines
 * ({@code watches.jsonl}) beside the history.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class WatchLog {
  /** One event as delivered. Immutable. */
  public record WatchEvent(long revision, String key, String type, String value) {}

  /** One watch response: events, or a progress notification at {@code progressRevision}. */
  public record Delivery(long time, long progressRevision, List<WatchEvent> events) {
    public Delivery {
      events = List.copyOf(events);
    }
  }

  /** One watcher: requested start revision (0: from now), deliveries, how it ended. */
  public static final class Watcher {
    public final String id;
    public long startRevision;
    public final List<Delivery> deliveries = new ArrayList<>();
    public String end = "running";

    public Watcher(String id, long startRevision) {
      this.id = id;
      this.startRevision = startRevision;
    }
  }

  private final Map<String, Watcher> watchers = new LinkedHashMap<>();

  public synchronized void start(String id, long startRevision) {
    watchers.put(id, new Watcher(id, startRevision));
  }

  /** Sets the start of a watcher that began "from now", once its creation revision is known. */
  public synchronized void resolveStart(String id, long startRevision) {
    Watcher w = watchers.get(id);
    if (w.startRevision == 0) {
      w.startRevision = startRevision;
    }
  }

  public synchronized void deliver(String id, Delivery delivery) {
    watchers.get(id).deliveries.add(delivery);
  }

  public synchronized void end(String id, String reason) {
    Watcher w = watchers.get(id);
    if (w.end.equals("running")) {
      w.end = reason;
    }
  }

  /** The highest revision a watcher has been told about (event or progress notification). */
  public synchronized long reached(Watcher w) {
    long max = 0;
    for (Delivery d : w.deliveries) {
      max = Math.max(max, d.progressRevision());
      for (WatchEvent e : d.events()) {
        max = Math.max(max, e.revision());
      }
    }
    return max;
  }

  /** Whether the watcher is still running. */
  public synchronized boolean running(Watcher w) {
    return w.end.equals("running");
  }

  public synchronized List<Watcher> watchers() {
    return List.copyOf(watchers.values());
  }

  public synchronized void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Watcher watcher : watchers.values()) {
        JsonObject start = new JsonObject();
        start.addProperty("watcher", watcher.id);
        start.addProperty("kind", "start");
        start.addProperty("startRevision", watcher.startRevision);
        w.write(History.gson().toJson(start));
        w.newLine();
        for (Delivery d : watcher.deliveries) {
          JsonObject o = new JsonObject();
          o.addProperty("watcher", watcher.id);
          o.addProperty("kind", "delivery");
          o.addProperty("time", d.time());
          o.addProperty("progress", d.progressRevision());
          JsonArray events = new JsonArray();
          for (WatchEvent e : d.events()) {
            JsonArray a = new JsonArray();
            a.add(e.revision());
            a.add(e.key());
            a.add(e.type());
            a.add(e.value());
            events.add(a);
          }
          o.add("events", events);
          w.write(History.gson().toJson(o));
          w.newLine();
        }
        JsonObject end = new JsonObject();
        end.addProperty("watcher", watcher.id);
        end.addProperty("kind", "end");
        end.addProperty("reason", watcher.end);
        w.write(History.gson().toJson(end));
        w.newLine();
      }
    }
  }

  public static WatchLog read(Path file) throws IOException {
    WatchLog log = new WatchLog();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      String id = o.get("watcher").getAsString();
      switch (o.get("kind").getAsString()) {
        case "start" -> log.start(id, o.get("startRevision").getAsLong());
        case "end" -> log.end(id, o.get("reason").getAsString());
        default -> {
          List<WatchEvent> events = new ArrayList<>();
          for (JsonElement e : o.getAsJsonArray("events")) {
            JsonArray a = e.getAsJsonArray();
            events.add(new WatchEvent(a.get(0).getAsLong(), a.get(1).getAsString(),
                a.get(2).getAsString(), a.get(3).isJsonNull() ? null : a.get(3).getAsString()));
          }
          log.deliver(id, new Delivery(o.get("time").getAsLong(), o.get("progress").getAsLong(),
              events));
        }
      }
    }
    return log;
  }
}

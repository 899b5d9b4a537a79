package io.kvstore.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.kvstore.chaos.checker.CheckResult;
import io.kvstore.chaos.checker.Verdict;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.History;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A history written to disk is checked again offline, and a bad one is still rejected. */
class RecheckTest {
  @Test
  void offlineRecheckRejectsAStaleRead(@TempDir Path dir) throws Exception {
    AtomicLong clock = new AtomicLong();
    History h = new History(() -> clock.addAndGet(10));
    Event w = h.invoke(0, "write", "r/0", JsonParser.parseString("{\"v\":\"a\"}"));
    h.complete(w, Event.Type.OK, JsonParser.parseString("{\"v\":\"a\",\"rev\":2}"), null);
    Event w2 = h.invoke(0, "write", "r/0", JsonParser.parseString("{\"v\":\"b\"}"));
    h.complete(w2, Event.Type.OK, JsonParser.parseString("{\"v\":\"b\",\"rev\":3}"), null);
    Event r = h.invoke(1, "read", "r/0", null);
    h.complete(r, Event.Type.OK, JsonParser.parseString("{\"v\":\"a\",\"rev\":3}"), null);
    Event n = h.invoke(ChaosRun.NEMESIS, "kill", null, JsonParser.parseString("\"start\""));
    h.complete(n, Event.Type.INFO, JsonParser.parseString("\"killed n1\""), null);
    h.write(dir.resolve("history.jsonl"));

    List<CheckResult> checks = ChaosRun.recheck(dir, Duration.ofSeconds(10));
    assertThat(checks).filteredOn(c -> c.checker().equals("register linearizability"))
        .singleElement().extracting(CheckResult::verdict).isEqualTo(Verdict.INVALID);
    assertThat(checks).filteredOn(c -> c.checker().equals("revisions"))
        .singleElement().extracting(CheckResult::verdict).isEqualTo(Verdict.VALID);
  }

  @Test
  void offlineRecheckRunsTheElectionChecksAndRejectsAWriteAfterTheTermEnded(@TempDir Path dir)
      throws Exception {
    AtomicLong clock = new AtomicLong();
    History h = new History(() -> clock.addAndGet(10));
    var term = JsonParser.parseString("{\"replica\":\"replica-0\",\"token\":5}");
    Event t = h.invoke(0, "term", "el/", term);
    Event w = h.invoke(1, "guarded-write", "ed/5/0",
        JsonParser.parseString("{\"replica\":\"replica-0\",\"token\":5,\"v\":\"x\"}"));
    h.complete(w, Event.Type.OK,
        JsonParser.parseString("{\"token\":5,\"v\":\"x\",\"rev\":9}"), null);
    h.complete(t, Event.Type.OK, term, null);
    Event r = h.invoke(2, "final-read", "ed/", null);
    h.complete(r, Event.Type.OK, JsonParser.parseString(
        "{\"rev\":9,\"keys\":{\"ed/5/0\":[9,0,\"x\"]}}"), null);
    Event s = h.invoke(2, "store-history", "el/", null);
    h.complete(s, Event.Type.OK, JsonParser.parseString(
        "{\"head\":9,\"deletes\":[[\"el/1\",8,5,1,1]]}"), null);
    h.write(dir.resolve("history.jsonl"));

    List<CheckResult> checks = ChaosRun.recheck(dir, Duration.ofSeconds(10));
    assertThat(checks).filteredOn(c -> c.checker().equals("election fencing"))
        .singleElement().extracting(CheckResult::verdict).isEqualTo(Verdict.INVALID);
    assertThat(checks).filteredOn(c -> c.checker().equals("election durability"))
        .singleElement().extracting(CheckResult::verdict).isEqualTo(Verdict.VALID);
  }
}

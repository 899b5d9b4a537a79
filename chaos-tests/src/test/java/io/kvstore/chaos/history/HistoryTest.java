package io.kvstore.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Histories pair invocations with completions and survive a round trip through JSON lines. */
class HistoryTest {
  @Test
  void roundTripsThroughJsonLinesAndPairsOperations(@TempDir Path dir) throws Exception {
    AtomicLong clock = new AtomicLong();
    History h = new History(() -> clock.addAndGet(10));
    Event w = h.invoke(0, "write", "r/1", JsonParser.parseString("{\"v\":\"a\"}"));
    Event r = h.invoke(1, "read", "r/1", null);
    h.complete(w, Event.Type.INFO, null, "timeout");
    h.complete(r, Event.Type.OK, JsonParser.parseString("{\"v\":\"a\",\"rev\":2}"), null);
    h.invoke(2, "write", "r/1", JsonParser.parseString("{\"v\":\"b\"}"));
    Path file = dir.resolve("history.jsonl");
    h.write(file);
    List<Event> back = History.read(file);
    assertThat(back).isEqualTo(h.events());
    List<Operation> ops = History.operations(back);
    assertThat(ops).hasSize(3);
    assertThat(ops.get(0).unknown()).isTrue();
    assertThat(ops.get(0).end()).isEqualTo(Operation.NEVER);
    assertThat(ops.get(1).ok()).isTrue();
    assertThat(ops.get(1).revision()).isEqualTo(2);
    assertThat(ops.get(1).start()).isEqualTo(20);
    assertThat(ops.get(1).end()).isEqualTo(40);
    assertThat(ops.get(2).unknown()).as("never completed").isTrue();
    assertThat(History.toJson(back.get(0))).contains("\"process\":0").contains("\"type\":\"invoke\"")
        .contains("\"f\":\"write\"");
  }

  @Test
  void aProcessCannotInvokeTwiceWithoutCompleting() {
    History h = new History();
    h.invoke(0, "read", "k", null);
    h.invoke(0, "read", "k", null);
    assertThatThrownBy(h::operations).hasMessageContaining("process 0 invoked again");
  }
}

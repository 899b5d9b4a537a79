package io.kvstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.chaos.history.WatchLog;
import io.kvstore.chaos.history.WatchLog.Delivery;
import io.kvstore.chaos.history.WatchLog.WatchEvent;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Each of the six watch guarantees, broken on purpose, must be reported. */
class WatchCheckerTest {
  private static WatchEvent put(long rev, String key) {
    return new WatchEvent(rev, key, "put", "v" + rev + key);
  }

  private static Delivery d(WatchEvent... events) {
    return new Delivery(0, -1, List.of(events));
  }

  private static Delivery progress(long rev) {
    return new Delivery(0, rev, List.of());
  }

  private static WatchLog.Watcher watcher(String id, long start, String end, Delivery... ds) {
    WatchLog.Watcher w = new WatchLog.Watcher(id, start);
    w.deliveries.addAll(List.of(ds));
    w.end = end;
    return w;
  }

  /** Acknowledged writes: revisions 2..6, revision 4 a two-key txn. */
  private static Map<Long, List<WatchEvent>> acked() {
    Map<Long, List<WatchEvent>> m = new TreeMap<>();
    m.put(2L, List.of(put(2, "a")));
    m.put(3L, List.of(put(3, "b")));
    m.put(4L, List.of(put(4, "a"), put(4, "c")));
    m.put(5L, List.of(put(5, "b")));
    m.put(6L, List.of(put(6, "final")));
    return m;
  }

  private static CheckResult check(WatchLog.Watcher... ws) {
    return WatchChecker.check(List.of(ws), acked(), 6);
  }

  private static WatchLog.Watcher complete(String id) {
    return watcher(id, 2, "cancelled", d(put(2, "a")), d(put(3, "b")),
        d(put(4, "a"), put(4, "c")), progress(4), d(put(5, "b"), put(6, "final")));
  }

  @Test
  void completeWatchersPass() {
    WatchLog.Watcher fromNow = watcher("late", 4, "cancelled", d(put(4, "a"), put(4, "c")),
        d(put(5, "b")), d(put(6, "final")));
    assertThat(check(complete("w0"), fromNow).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void outOfOrderIsReported() {
    WatchLog.Watcher w = watcher("w1", 2, "cancelled", d(put(2, "a")), d(put(4, "a"),
        put(4, "c")), d(put(3, "b")), d(put(5, "b")), d(put(6, "final")));
    assertThat(check(w).problems()).anyMatch(p -> p.startsWith("ordered"));
  }

  @Test
  void duplicateIsReported() {
    WatchLog.Watcher w = watcher("w1", 2, "cancelled", d(put(2, "a")), d(put(3, "b")),
        d(put(3, "b")), d(put(4, "a"), put(4, "c")), d(put(5, "b")), d(put(6, "final")));
    assertThat(check(w).problems()).anyMatch(p -> p.startsWith("unique"));
  }

  @Test
  void revisionSplitOverTwoResponsesOrHalfDeliveredIsReported() {
    WatchLog.Watcher split = watcher("w1", 2, "cancelled", d(put(2, "a")), d(put(3, "b")),
        d(put(4, "a")), d(put(4, "c")), d(put(5, "b")), d(put(6, "final")));
    assertThat(check(split).problems()).anyMatch(p -> p.startsWith("atomic"));
    WatchLog.Watcher half = watcher("w2", 2, "cancelled", d(put(2, "a")), d(put(3, "b")),
        d(put(4, "a")), d(put(5, "b")), d(put(6, "final")));
    assertThat(check(half).problems()).anyMatch(p -> p.startsWith("atomic"));
  }

  @Test
  void eventAtOrBelowAProgressNotificationIsReported() {
    WatchLog.Watcher w = watcher("w1", 2, "cancelled", d(put(2, "a")), progress(3),
        d(put(3, "b")), d(put(4, "a"), put(4, "c")), d(put(5, "b")), d(put(6, "final")));
    assertThat(check(w).problems()).anyMatch(p -> p.startsWith("bookmarkable"));
  }

  @Test
  void gapIsReported() {
    WatchLog.Watcher w = watcher("w1", 2, "cancelled", d(put(2, "a")),
        d(put(4, "a"), put(4, "c")), d(put(5, "b")), d(put(6, "final")));
    CheckResult r = check(w);
    assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(r.problems()).anyMatch(p -> p.startsWith("reliable") && p.contains("revision 3"));
  }

  @Test
  void wrongValueIsReported() {
    WatchLog.Watcher w = watcher("w1", 2, "cancelled", d(put(2, "a")),
        d(new WatchEvent(3, "b", "put", "other")), d(put(4, "a"), put(4, "c")), d(put(5, "b")),
        d(put(6, "final")));
    assertThat(check(w).problems()).anyMatch(p -> p.startsWith("reliable"));
  }

  @Test
  void watcherThatStopsEarlyIsReportedUnlessCompacted() {
    WatchLog.Watcher stopped = watcher("w1", 2, "error: boom", d(put(2, "a")), d(put(3, "b")));
    assertThat(check(stopped).problems()).anyMatch(p -> p.startsWith("resumable"));
    WatchLog.Watcher compacted = watcher("w2", 2, "compacted@4", d(put(2, "a")),
        d(put(3, "b")));
    assertThat(check(compacted).verdict()).isEqualTo(Verdict.VALID);
  }
}

package io.kvstore.server.maintenance;

import io.kvstore.api.etcdserverpb.AlarmMember;
import io.kvstore.api.etcdserverpb.AlarmRequest;
import io.kvstore.api.etcdserverpb.AlarmResponse;
import io.kvstore.api.etcdserverpb.AlarmType;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import java.util.List;

/**
 * etcd's alarm store: the raised alarms (NOSPACE, CORRUPT) live in the backend and change only by
 * applied {@code AlarmRequest}s, so every member has the same list. GET reads it, ACTIVATE and
 * DEACTIVATE write it within the entry's {@link WriteTxn}, as etcd's {@code applierV3.Alarm}.
 *
 * <p>Thread-safety: {@link #apply} on the Raft apply thread; reads from any thread.
 */
public final class Alarms {
  private final MvccStore store;
  /**
   * The alarm rows of one backend instance, so that the apply thread can ask {@link #active}
   * for every write without a scan; cleared by {@link #committed} after every alarm change, and
   * ignored once a snapshot has replaced the backend.
   */
  private volatile Cached cache;

  private record Cached(Object backend, List<long[]> rows) {}

  public Alarms(MvccStore store) {
    this.store = store;
  }

  /** The raised alarms of {@code type}, or all of them for {@code NONE}. */
  public List<AlarmMember> get(AlarmType type) {
    List<long[]> rows = store.readBackend((backend, rev, compacted) -> {
      Cached c = cache;
      if (c != null && c.backend() == backend) {
        return c.rows();
      }
      List<long[]> fresh = backend.alarms();
      cache = new Cached(backend, fresh);
      return fresh;
    });
    return rows.stream()
        .map(r -> AlarmMember.newBuilder().setMemberID(r[0]).setAlarmValue((int) r[1]).build())
        .filter(a -> type == AlarmType.NONE || a.getAlarm() == type)
        .toList();
  }

  /** To be called after a txn that changed alarms has committed. */
  public void committed() {
    cache = null;
  }

  /** Whether any member has raised {@code type}. */
  public boolean active(AlarmType type) {
    return !get(type).isEmpty();
  }

  /**
   * Applies a committed request: GET lists, ACTIVATE raises (answering the alarm, also if it was
   * raised already), DEACTIVATE clears (answering the alarm if it was raised). The header is left
   * to the proposer.
   */
  public AlarmResponse apply(WriteTxn txn, AlarmRequest r) {
    AlarmResponse.Builder out = AlarmResponse.newBuilder();
    if (r.getAction() == AlarmRequest.AlarmAction.GET) {
      return out.addAllAlarms(get(r.getAlarm())).build();
    }
    if (r.getAlarm() == AlarmType.NONE) {
      return out.build();
    }
    AlarmMember alarm = AlarmMember.newBuilder().setMemberID(r.getMemberID())
        .setAlarm(r.getAlarm()).build();
    boolean raised = get(r.getAlarm()).contains(alarm);
    if (r.getAction() == AlarmRequest.AlarmAction.ACTIVATE) {
      txn.batch().putAlarm(r.getMemberID(), r.getAlarmValue());
      out.addAlarms(alarm);
    } else if (raised) {
      txn.batch().deleteAlarm(r.getMemberID(), r.getAlarmValue());
      out.addAlarms(alarm);
    }
    return out.build();
  }
}

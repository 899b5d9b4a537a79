package io.kvstore.kvctl;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.kvstore.api.etcdserverpb.AlarmMember;
import io.kvstore.api.etcdserverpb.AlarmResponse;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.HashKVResponse;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvstore.api.etcdserverpb.LeaseLeasesResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeResponse;
import io.kvstore.api.etcdserverpb.LeaseStatus;
import io.kvstore.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvstore.api.etcdserverpb.Member;
import io.kvstore.api.etcdserverpb.MemberAddResponse;
import io.kvstore.api.etcdserverpb.MemberListResponse;
import io.kvstore.api.etcdserverpb.MoveLeaderResponse;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.ResponseOp;
import io.kvstore.api.etcdserverpb.StatusResponse;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.KeyValue;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints responses in etcdctl 3.4's output formats ({@code simple}, {@code json}, {@code fields},
 * {@code table}, {@code protobuf}), byte for byte as its printers do; a format etcdctl does not
 * support for a command fails as etcdctl's does ({@code <format> not supported as output format},
 * exit code 4). Not thread-safe: one command's output.
 */
final class Printer {
  enum Format { SIMPLE, JSON, FIELDS, TABLE, PROTOBUF }

  /** One endpoint's answer for {@code endpoint health}. */
  record Health(String endpoint, boolean health, String took, String error) {}

  /** One endpoint's answer for {@code endpoint status}. */
  record EpStatus(String endpoint, StatusResponse status) {}

  /** One endpoint's answer for {@code endpoint hashkv}. */
  record EpHash(String endpoint, HashKVResponse hash) {}

  /** What {@code snapshot status} reports. */
  record DbStatus(int hash, long revision, long totalKey, long totalSize) {}

  final Format format;
  private final boolean hex;
  private final PrintStream out;
  private final PrintStream err;
  boolean valueOnly;

  Printer(Format format, boolean hex, PrintStream out, PrintStream err) {
    this.format = format;
    this.hex = hex;
    this.out = out;
    this.err = err;
  }

  static Format parse(String name) {
    return switch (name) {
      case "simple" -> Format.SIMPLE;
      case "json" -> Format.JSON;
      case "fields" -> Format.FIELDS;
      case "table" -> Format.TABLE;
      case "protobuf" -> Format.PROTOBUF;
      default -> throw new KvctlException(ExitCodes.BAD_FEATURE, "unsupported output format");
    };
  }

  private KvctlException unsupported() {
    return new KvctlException(ExitCodes.BAD_FEATURE,
        format.name().toLowerCase(Locale.ROOT) + " not supported as output format");
  }

  // ---- low-level output ------------------------------------------------------------------------

  void println(String s) {
    out.print(s);
    out.print('\n');
  }

  private void printRaw(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    out.print('\n');
  }

  private void json(String s) {
    println(s);
  }

  private void proto(MessageLite m) {
    try {
      out.write(m.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** etcdctl's printKV: key and value lines, raw bytes, or {@code \xNN} each with --hex. */
  private void kv(KeyValue kv) {
    if (!valueOnly) {
      printRaw(bytes(kv.getKey()));
    }
    printRaw(bytes(kv.getValue()));
  }

  private byte[] bytes(ByteString b) {
    if (!hex) {
      return b.toByteArray();
    }
    StringBuilder sb = new StringBuilder();
    for (byte x : b.toByteArray()) {
      sb.append(String.format("\\x%02x", x & 0xff));
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void fieldsKv(String pfx, KeyValue kv) {
    println("\"" + pfx + "Key\" : " + GoText.quote(kv.getKey().toByteArray()));
    println("\"" + pfx + "CreateRevision\" : " + kv.getCreateRevision());
    println("\"" + pfx + "ModRevision\" : " + kv.getModRevision());
    println("\"" + pfx + "Version\" : " + kv.getVersion());
    println("\"" + pfx + "Value\" : " + GoText.quote(kv.getValue().toByteArray()));
    println("\"" + pfx + "Lease\" : " + kv.getLease());
  }

  private void fieldsHeader(ResponseHeader h) {
    println("\"ClusterID\" : " + Long.toUnsignedString(h.getClusterId()));
    println("\"MemberID\" : " + Long.toUnsignedString(h.getMemberId()));
    println("\"Revision\" : " + h.getRevision());
    println("\"RaftTerm\" : " + Long.toUnsignedString(h.getRaftTerm()));
  }

  // ---- KV --------------------------------------------------------------------------------------

  void get(RangeResponse r) {
    switch (format) {
      case SIMPLE -> r.getKvsList().forEach(this::kv);
      case JSON -> json(GoJson.of(r));
      case PROTOBUF -> proto(r);
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        r.getKvsList().forEach(kv -> fieldsKv("", kv));
        println("\"More\" : " + r.getMore());
        println("\"Count\" : " + r.getCount());
      }
      default -> throw unsupported();
    }
  }

  void put(PutResponse r) {
    switch (format) {
      case SIMPLE -> {
        println("OK");
        if (r.hasPrevKv()) {
          kv(r.getPrevKv());
        }
      }
      case JSON -> json(GoJson.of(r));
      case PROTOBUF -> proto(r);
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        if (r.hasPrevKv()) {
          fieldsKv("Prev", r.getPrevKv());
        }
      }
      default -> throw unsupported();
    }
  }

  void del(DeleteRangeResponse r) {
    switch (format) {
      case SIMPLE -> {
        println(Long.toString(r.getDeleted()));
        r.getPrevKvsList().forEach(this::kv);
      }
      case JSON -> json(GoJson.of(r));
      case PROTOBUF -> proto(r);
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        println("\"Deleted\" : " + r.getDeleted());
        r.getPrevKvsList().forEach(kv -> fieldsKv("Prev", kv));
      }
      default -> throw unsupported();
    }
  }

  void txn(TxnResponse r) {
    switch (format) {
      case SIMPLE -> {
        println(r.getSucceeded() ? "SUCCESS" : "FAILURE");
        for (ResponseOp op : r.getResponsesList()) {
          println("");
          switch (op.getResponseCase()) {
            case RESPONSE_DELETE_RANGE -> del(op.getResponseDeleteRange());
            case RESPONSE_PUT -> put(op.getResponsePut());
            case RESPONSE_RANGE -> get(op.getResponseRange());
            default -> println("unexpected response " + op);
          }
        }
      }
      case JSON -> json(GoJson.of(r));
      case PROTOBUF -> proto(r);
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        println("\"Succeeded\" : " + r.getSucceeded());
        for (ResponseOp op : r.getResponsesList()) {
          switch (op.getResponseCase()) {
            case RESPONSE_DELETE_RANGE -> del(op.getResponseDeleteRange());
            case RESPONSE_PUT -> put(op.getResponsePut());
            case RESPONSE_RANGE -> get(op.getResponseRange());
            default -> println("\"Unknown\" : " + GoText.quote(op.toString()));
          }
        }
      }
      default -> throw unsupported();
    }
  }

  /** A watch response as clientv3's {@code WatchResponse} prints (its progress line first). */
  void watch(WatchResponse r) {
    if (isProgressNotify(r)) {
      println("progress notify: " + r.getHeader().getRevision());
    }
    switch (format) {
      case SIMPLE -> {
        for (Event e : r.getEventsList()) {
          println(e.getType().name());
          if (e.hasPrevKv()) {
            kv(e.getPrevKv());
          }
          kv(e.getKv());
        }
      }
      case JSON -> {
        StringBuilder sb = new StringBuilder("{\"Header\":");
        GoJson.message(sb, r.getHeader());
        sb.append(",\"Events\":");
        if (r.getEventsCount() == 0) {
          sb.append("null");
        } else {
          sb.append('[');
          for (int i = 0; i < r.getEventsCount(); i++) {
            if (i > 0) {
              sb.append(',');
            }
            GoJson.message(sb, r.getEvents(i));
          }
          sb.append(']');
        }
        sb.append(",\"CompactRevision\":").append(r.getCompactRevision())
            .append(",\"Canceled\":").append(r.getCanceled())
            .append(",\"Created\":").append(r.getCreated()).append('}');
        json(sb.toString());
      }
      case PROTOBUF -> proto(r);
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        for (Event e : r.getEventsList()) {
          println("\"Type\" : " + e.getType().name());
          if (e.hasPrevKv()) {
            fieldsKv("Prev", e.getPrevKv());
          }
          fieldsKv("", e.getKv());
        }
      }
      default -> throw unsupported();
    }
  }

  static boolean isProgressNotify(WatchResponse r) {
    return r.getEventsCount() == 0 && !r.getCanceled() && !r.getCreated()
        && r.getCompactRevision() == 0 && r.getHeader().getRevision() != 0;
  }

  // ---- leases ----------------------------------------------------------------------------------

  void grant(LeaseGrantResponse r) {
    switch (format) {
      case SIMPLE -> println(String.format("lease %016x granted with TTL(%ds)", r.getID(),
          r.getTTL()));
      case JSON -> json(new GoJson.Obj().embed(r.getHeader()).num("ID", r.getID())
          .num("TTL", r.getTTL()).str("Error", r.getError()).toString());
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        println("\"ID\" : " + r.getID());
        println("\"TTL\" : " + r.getTTL());
      }
      case PROTOBUF -> proto(r);
      default -> throw unsupported();
    }
  }

  void revoke(long id, LeaseRevokeResponse r) {
    switch (format) {
      case SIMPLE -> println(String.format("lease %016x revoked", id));
      case JSON -> json(GoJson.of(r));
      case FIELDS -> fieldsHeader(r.getHeader());
      case PROTOBUF -> proto(r);
      default -> throw unsupported();
    }
  }

  void keepAlive(LeaseKeepAliveResponse r) {
    switch (format) {
      case SIMPLE -> println(String.format("lease %016x keepalived with TTL(%d)", r.getID(),
          r.getTTL()));
      case JSON -> json(new GoJson.Obj().embed(r.getHeader()).num("ID", r.getID())
          .num("TTL", r.getTTL()).toString());
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        println("\"ID\" : " + r.getID());
        println("\"TTL\" : " + r.getTTL());
      }
      case PROTOBUF -> proto(r);
      default -> throw unsupported();
    }
  }

  void timeToLive(LeaseTimeToLiveResponse r, boolean keys) {
    switch (format) {
      case SIMPLE -> {
        if (r.getGrantedTTL() == 0 && r.getTTL() == -1) {
          println(String.format("lease %016x already expired", r.getID()));
          return;
        }
        StringBuilder txt = new StringBuilder(String.format(
            "lease %016x granted with TTL(%ds), remaining(%ds)", r.getID(), r.getGrantedTTL(),
            r.getTTL()));
        if (keys) {
          txt.append(", attached keys([");
          for (int i = 0; i < r.getKeysCount(); i++) {
            txt.append(i > 0 ? " " : "").append(r.getKeys(i).toStringUtf8());
          }
          txt.append("])");
        }
        println(txt.toString());
      }
      case JSON -> {
        StringBuilder ks = new StringBuilder();
        if (r.getKeysCount() == 0) {
          ks.append("null");
        } else {
          ks.append('[');
          for (int i = 0; i < r.getKeysCount(); i++) {
            if (i > 0) {
              ks.append(',');
            }
            GoJson.bytes(ks, r.getKeys(i));
          }
          ks.append(']');
        }
        json(new GoJson.Obj().embed(r.getHeader()).num("id", r.getID()).num("ttl", r.getTTL())
            .num("granted-ttl", r.getGrantedTTL()).raw("keys", ks.toString()).toString());
      }
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        println("\"ID\" : " + r.getID());
        println("\"TTL\" : " + r.getTTL());
        println("\"GrantedTTL\" : " + r.getGrantedTTL());
        r.getKeysList().forEach(k -> println("\"Key\" : " + GoText.quote(k.toByteArray())));
      }
      case PROTOBUF -> proto(r);
      default -> throw unsupported();
    }
  }

  void leases(LeaseLeasesResponse r) {
    switch (format) {
      case SIMPLE -> {
        println("found " + r.getLeasesCount() + " leases");
        r.getLeasesList().forEach(l -> println(String.format("%016x", l.getID())));
      }
      case JSON -> {
        StringBuilder ls = new StringBuilder("[");
        for (LeaseStatus l : r.getLeasesList()) {
          ls.append(ls.length() > 1 ? "," : "").append("{\"id\":").append(l.getID()).append('}');
        }
        json(new GoJson.Obj().embed(r.getHeader()).raw("leases", ls + "]").toString());
      }
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        r.getLeasesList().forEach(l -> println("\"ID\" : " + l.getID()));
      }
      case PROTOBUF -> proto(r);
      default -> throw unsupported();
    }
  }

  // ---- members ---------------------------------------------------------------------------------

  /** {@code Member <id> <verb> cluster <id>}, ids as Go's {@code %16x} (space-padded). */
  void memberChange(String verb, long id, ResponseHeader header, MessageLite r) {
    switch (format) {
      case SIMPLE -> println(String.format("Member %16s %s cluster %16s", GoText.hexId(id), verb,
          GoText.hexId(header.getClusterId())));
      case JSON -> json(GoJson.of((com.google.protobuf.MessageOrBuilder) r));
      case PROTOBUF -> proto(r);
      default -> throw unsupported();
    }
  }

  void memberAdd(MemberAddResponse r) {
    memberChange("added to", r.getMember().getID(), r.getHeader(), r);
  }

  private static List<List<String>> memberRows(MemberListResponse r) {
    List<List<String>> rows = new ArrayList<>();
    for (Member m : r.getMembersList()) {
      rows.add(List.of(GoText.hexId(m.getID()), m.getName().isEmpty() ? "unstarted" : "started",
          m.getName(), String.join(",", m.getPeerURLsList()),
          String.join(",", m.getClientURLsList()), Boolean.toString(m.getIsLearner())));
    }
    return rows;
  }

  void memberList(MemberListResponse r) {
    switch (format) {
      case SIMPLE -> memberRows(r).forEach(row -> println(String.join(", ", row)));
      case JSON -> json(GoJson.of(r));
      case PROTOBUF -> proto(r);
      case TABLE -> {
        Table t = new Table(List.of("ID", "Status", "Name", "Peer Addrs", "Client Addrs",
            "Is Learner"));
        memberRows(r).forEach(t::row);
        out.print(t.render());
      }
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        for (Member m : r.getMembersList()) {
          println("\"ID\" : " + Long.toUnsignedString(m.getID()));
          println("\"Name\" : " + GoText.quote(m.getName()));
          m.getPeerURLsList().forEach(u -> println("\"PeerURL\" : " + GoText.quote(u)));
          m.getClientURLsList().forEach(u -> println("\"ClientURL\" : " + GoText.quote(u)));
          println("\"IsLearner\" : " + m.getIsLearner());
          println("");
        }
      }
      default -> throw unsupported();
    }
  }

  // ---- endpoints and maintenance ---------------------------------------------------------------

  void endpointHealth(List<Health> hs) {
    switch (format) {
      case SIMPLE -> {
        for (Health h : hs) {
          if (h.error().isEmpty()) {
            err.print(h.endpoint() + " is healthy: successfully committed proposal: took = "
                + h.took() + "\n");
          } else {
            err.print(h.endpoint() + " is unhealthy: failed to commit proposal: " + h.error()
                + "\n");
          }
        }
      }
      case JSON -> {
        StringBuilder sb = new StringBuilder("[");
        for (Health h : hs) {
          sb.append(sb.length() > 1 ? "," : "");
          GoJson.Obj o = new GoJson.Obj().str("endpoint", h.endpoint())
              .bool("health", h.health()).str("took", h.took());
          if (!h.error().isEmpty()) {
            o.str("error", h.error());
          }
          sb.append(o);
        }
        json(sb + "]");
      }
      case TABLE -> {
        Table t = new Table(List.of("endpoint", "health", "took", "error"));
        hs.forEach(h -> t.row(List.of(h.endpoint(), Boolean.toString(h.health()), h.took(),
            h.error())));
        out.print(t.render());
      }
      case FIELDS -> {
        for (Health h : hs) {
          println("\"Endpoint\" : " + GoText.quote(h.endpoint()));
          println("\"Health\" : " + h.health());
          println("\"Took\" : " + h.took());
          println("\"Error\" : " + h.error());
          println("");
        }
      }
      default -> throw unsupported();
    }
  }

  private static List<List<String>> statusRows(List<EpStatus> list) {
    List<List<String>> rows = new ArrayList<>();
    for (EpStatus s : list) {
      StatusResponse r = s.status();
      rows.add(List.of(s.endpoint(), GoText.hexId(r.getHeader().getMemberId()), r.getVersion(),
          GoText.humanBytes(r.getDbSize()),
          Boolean.toString(r.getLeader() == r.getHeader().getMemberId()),
          Boolean.toString(r.getIsLearner()), Long.toUnsignedString(r.getRaftTerm()),
          Long.toUnsignedString(r.getRaftIndex()), Long.toUnsignedString(r.getRaftAppliedIndex()),
          String.join(", ", r.getErrorsList())));
    }
    return rows;
  }

  void endpointStatus(List<EpStatus> list) {
    switch (format) {
      case SIMPLE -> statusRows(list).forEach(row -> println(String.join(", ", row)));
      case JSON -> {
        StringBuilder sb = new StringBuilder("[");
        for (EpStatus s : list) {
          sb.append(sb.length() > 1 ? "," : "");
          sb.append(new GoJson.Obj().str("Endpoint", s.endpoint())
              .raw("Status", GoJson.of(s.status())));
        }
        json(sb + "]");
      }
      case TABLE -> {
        Table t = new Table(List.of("endpoint", "ID", "version", "db size", "is leader",
            "is learner", "raft term", "raft index", "raft applied index", "errors"));
        statusRows(list).forEach(t::row);
        out.print(t.render());
      }
      case FIELDS -> {
        for (EpStatus s : list) {
          StatusResponse r = s.status();
          fieldsHeader(r.getHeader());
          println("\"Version\" : " + GoText.quote(r.getVersion()));
          println("\"DBSize\" : " + r.getDbSize());
          println("\"Leader\" : " + Long.toUnsignedString(r.getLeader()));
          println("\"IsLearner\" : " + r.getIsLearner());
          println("\"RaftIndex\" : " + Long.toUnsignedString(r.getRaftIndex()));
          println("\"RaftTerm\" : " + Long.toUnsignedString(r.getRaftTerm()));
          println("\"RaftAppliedIndex\" : " + Long.toUnsignedString(r.getRaftAppliedIndex()));
          println("\"Errors\" : [" + String.join(" ", r.getErrorsList()) + "]");
          println("\"Endpoint\" : " + GoText.quote(s.endpoint()));
          println("");
        }
      }
      default -> throw unsupported();
    }
  }

  void endpointHashKv(List<EpHash> list) {
    switch (format) {
      case SIMPLE -> list.forEach(h -> println(h.endpoint() + ", "
          + Integer.toUnsignedString(h.hash().getHash())));
      case JSON -> {
        StringBuilder sb = new StringBuilder("[");
        for (EpHash h : list) {
          sb.append(sb.length() > 1 ? "," : "");
          sb.append(new GoJson.Obj().str("Endpoint", h.endpoint())
              .raw("HashKV", GoJson.of(h.hash())));
        }
        json(sb + "]");
      }
      case TABLE -> {
        Table t = new Table(List.of("endpoint", "hash"));
        list.forEach(h -> t.row(List.of(h.endpoint(),
            Integer.toUnsignedString(h.hash().getHash()))));
        out.print(t.render());
      }
      case FIELDS -> {
        for (EpHash h : list) {
          fieldsHeader(h.hash().getHeader());
          println("\"Endpoint\" : " + GoText.quote(h.endpoint()));
          println("\"Hash\" : " + Integer.toUnsignedString(h.hash().getHash()));
          println("");
        }
      }
      default -> throw unsupported();
    }
  }

  void moveLeader(long leader, long target, MoveLeaderResponse r) {
    switch (format) {
      case SIMPLE -> println("Leadership transferred from " + GoText.hexId(leader) + " to "
          + GoText.hexId(target));
      case JSON -> json(GoJson.of(r));
      case PROTOBUF -> proto(r);
      default -> throw unsupported();
    }
  }

  void alarm(AlarmResponse r) {
    switch (format) {
      case SIMPLE -> {
        for (AlarmMember a : r.getAlarmsList()) {
          println("memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:"
              + a.getAlarm().name() + " ");
        }
      }
      case JSON -> json(GoJson.of(r));
      case PROTOBUF -> proto(r);
      case FIELDS -> {
        fieldsHeader(r.getHeader());
        for (AlarmMember a : r.getAlarmsList()) {
          println("\"MemberID\" : " + Long.toUnsignedString(a.getMemberID()));
          println("\"AlarmType\" : " + a.getAlarm().name());
          println("");
        }
      }
      default -> throw unsupported();
    }
  }

  void dbStatus(DbStatus s) {
    List<String> row = List.of(Integer.toHexString(s.hash()), Long.toString(s.revision()),
        Long.toString(s.totalKey()), GoText.humanBytes(s.totalSize()));
    switch (format) {
      case SIMPLE -> println(String.join(", ", row));
      case JSON -> json(new GoJson.Obj().num("hash", Integer.toUnsignedLong(s.hash()))
          .num("revision", s.revision()).num("totalKey", s.totalKey())
          .num("totalSize", s.totalSize()).toString());
      case TABLE -> out.print(new Table(List.of("hash", "revision", "total keys", "total size"))
          .row(row).render());
      case FIELDS -> {
        println("\"Hash\" : " + Integer.toUnsignedString(s.hash()));
        println("\"Revision\" : " + s.revision());
        println("\"Keys\" : " + s.totalKey());
        println("\"Size\" : " + s.totalSize());
      }
      default -> throw unsupported();
    }
  }
}

package io.kvstore.kvctl;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.MessageOrBuilder;
import io.kvstore.server.GoJsonString;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * etcd protobuf messages as etcdctl's {@code -w json} prints them: Go's {@code encoding/json} over
 * the gogoproto structs. Fields in declaration order under their proto names, zero values left out
 * ({@code omitempty}), 64-bit integers as plain numbers (unsigned ones unsigned), bytes in base64,
 * enums as numbers, and a oneof as Go names it: {@code "Response":{"ResponsePut":{...}}}.
 * Stateless.
 */
final class GoJson {
  private GoJson() {}

  static String of(MessageOrBuilder m) {
    StringBuilder sb = new StringBuilder();
    message(sb, m);
    return sb.toString();
  }

  static void message(StringBuilder sb, MessageOrBuilder m) {
    sb.append('{');
    fields(sb, m, true);
    sb.append('}');
  }

  /**
   * Writes the fields of {@code m} without braces (Go's promoted fields of an embedded struct);
   * returns whether anything was written.
   */
  static boolean fields(StringBuilder sb, MessageOrBuilder m, boolean first) {
    int start = sb.length();
    Set<OneofDescriptor> oneofs = new HashSet<>();
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      OneofDescriptor oneof = f.getRealContainingOneof();
      if (oneof != null) {
        if (!oneofs.add(oneof)) {
          continue;
        }
        first = comma(sb, first);
        sb.append('"').append(camel(oneof.getName())).append("\":");
        FieldDescriptor set = m.getOneofFieldDescriptor(oneof);
        if (set == null) {
          sb.append("null");
        } else {
          sb.append("{\"").append(camel(set.getName())).append("\":");
          value(sb, set, m.getField(set));
          sb.append('}');
        }
        continue;
      }
      if (f.isRepeated()) {
        if (m.getRepeatedFieldCount(f) == 0) {
          continue;
        }
        first = comma(sb, first);
        sb.append('"').append(f.getName()).append("\":[");
        List<?> values = (List<?>) m.getField(f);
        for (int i = 0; i < values.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          value(sb, f, values.get(i));
        }
        sb.append(']');
        continue;
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? !m.hasField(f)
          : isZero(m.getField(f))) {
        continue;
      }
      first = comma(sb, first);
      sb.append('"').append(f.getName()).append("\":");
      value(sb, f, m.getField(f));
    }
    return sb.length() > start;
  }

  private static boolean comma(StringBuilder sb, boolean first) {
    if (!first) {
      sb.append(',');
    }
    return false;
  }

  private static boolean isZero(Object v) {
    if (v instanceof Number n) {
      return n.longValue() == 0;
    }
    if (v instanceof Boolean b) {
      return !b;
    }
    if (v instanceof String s) {
      return s.isEmpty();
    }
    if (v instanceof ByteString b) {
      return b.isEmpty();
    }
    if (v instanceof com.google.protobuf.Descriptors.EnumValueDescriptor e) {
      return e.getNumber() == 0;
    }
    return false;
  }

  private static void value(StringBuilder sb, FieldDescriptor f, Object v) {
    switch (f.getType()) {
      case UINT64, FIXED64 -> sb.append(Long.toUnsignedString((Long) v));
      case UINT32, FIXED32 -> sb.append(Integer.toUnsignedString((Integer) v));
      case BOOL -> sb.append(v);
      case STRING -> GoJsonString.append(sb, (String) v);
      case BYTES -> bytes(sb, (ByteString) v);
      case ENUM -> sb.append(((com.google.protobuf.Descriptors.EnumValueDescriptor) v)
          .getNumber());
      case MESSAGE, GROUP -> message(sb, (MessageOrBuilder) v);
      default -> sb.append(v);
    }
  }

  static void bytes(StringBuilder sb, ByteString b) {
    sb.append('"').append(Base64.getEncoder().encodeToString(b.toByteArray())).append('"');
  }

  /** Go's name for a proto name: {@code response_put} → {@code ResponsePut}. */
  static String camel(String name) {
    StringBuilder sb = new StringBuilder();
    boolean up = true;
    for (char c : name.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }

  /** A hand-built JSON object for etcdctl's own structs (lease responses, endpoint lists). */
  static final class Obj {
    private final StringBuilder sb = new StringBuilder("{");
    private boolean first = true;

    private StringBuilder key(String name) {
      first = comma(sb, first);
      GoJsonString.append(sb, name);
      return sb.append(':');
    }

    /** The fields of an embedded {@code *pb.ResponseHeader}, promoted into this object. */
    Obj embed(MessageOrBuilder m) {
      if (fields(sb, m, first)) {
        first = false;
      }
      return this;
    }

    Obj num(String name, long v) {
      key(name).append(v);
      return this;
    }

    Obj str(String name, String v) {
      GoJsonString.append(key(name), v);
      return this;
    }

    Obj bool(String name, boolean v) {
      key(name).append(v);
      return this;
    }

    Obj raw(String name, String json) {
      key(name).append(json);
      return this;
    }

    @Override
    public String toString() {
      return sb + "}";
    }
  }
}

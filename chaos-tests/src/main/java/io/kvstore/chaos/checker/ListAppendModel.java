package io.kvstore.chaos.checker;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import io.kvstore.chaos.history.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lists per key within a key group, changed by transactions of micro-operations, as Jepsen's
 * list-append workload: {@code ["append", k, x]} appends x to k's list, {@code ["r", k, list]}
 * reads it. A transaction is one operation {@code txn}; its input holds the micro-operations
 * with reads unfilled, its output (when acknowledged) the same with the lists read. Checking
 * these transactions for linearizability per group checks strict serializability.
 *
 * <p>State: an immutable sorted map from key to list. Thread-safety: stateless.
 */
public final class ListAppendModel implements Model<Map<String, List<String>>> {
  @Override
  public Map<String, List<String>> init() {
    return Map.of();
  }

  @Override
  public boolean readOnly(Operation op) {
    for (JsonElement mop : op.input().getAsJsonObject().getAsJsonArray("ops")) {
      if (mop.getAsJsonArray().get(0).getAsString().equals("append")) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Map<String, List<String>> step(Map<String, List<String>> state, Operation op) {
    JsonArray mops = (op.ok() ? op.output() : op.input()).getAsJsonObject()
        .getAsJsonArray("ops");
    TreeMap<String, List<String>> next = new TreeMap<>(state);
    for (JsonElement e : mops) {
      JsonArray mop = e.getAsJsonArray();
      String f = mop.get(0).getAsString();
      String k = mop.get(1).getAsString();
      List<String> current = next.getOrDefault(k, List.of());
      if (f.equals("append")) {
        List<String> appended = new ArrayList<>(current);
        appended.add(mop.get(2).getAsString());
        next.put(k, List.copyOf(appended));
      } else if (f.equals("r")) {
        if (!op.ok()) {
          continue;
        }
        List<String> read = new ArrayList<>();
        if (!mop.get(2).isJsonNull()) {
          for (JsonElement x : mop.get(2).getAsJsonArray()) {
            read.add(x.getAsString());
          }
        }
        if (!read.equals(current)) {
          return null;
        }
      } else {
        throw new IllegalArgumentException("list-append model: unknown micro-op " + f);
      }
    }
    return java.util.Collections.unmodifiableMap(next);
  }
}

package io.kvstore.chaos.checker;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kvstore.chaos.history.Operation;
import java.util.Objects;

/**
 * A register per key, as the register workload uses it. State: the value, {@code ""} standing
 * for "absent" (the workload never writes the empty string).
 *
 * <ul>
 *   <li>{@code read}: output {@code {"v": value-or-null}}; must equal the state.
 *   <li>{@code write}: input {@code {"v": x}}; state becomes x.
 *   <li>{@code cas} and {@code cas-rev}: input {@code {"from": a, "to": b}} (for {@code cas-rev}
 *       {@code from} is the value the guarded mod_revision held); acknowledged: requires state a,
 *       becomes b. A failed compare is recorded as {@code fail} and dropped. Unknown: becomes b if
 *       the state is a, else has no effect.
 * </ul>
 *
 * <p>Thread-safety: stateless.
 */
public final class RegisterModel implements Model<String> {
  public static final String ABSENT = "";

  @Override
  public String init() {
    return ABSENT;
  }

  @Override
  public boolean readOnly(Operation op) {
    return op.f().equals("read");
  }

  @Override
  public String step(String state, Operation op) {
    switch (op.f()) {
      case "read": {
        String v = str(op.output(), "v");
        return Objects.equals(v, state) ? state : null;
      }
      case "write":
        return str(op.input(), "v");
      case "cas":
      case "cas-rev": {
        String from = str(op.input(), "from");
        String to = str(op.input(), "to");
        if (op.ok()) {
          return state.equals(from) ? to : null;
        }
        return state.equals(from) ? to : state;
      }
      default:
        throw new IllegalArgumentException("register model: unknown f " + op.f());
    }
  }

  private static String str(JsonElement value, String field) {
    JsonObject o = value.getAsJsonObject();
    JsonElement e = o.get(field);
    return e == null || e.isJsonNull() ? ABSENT : e.getAsString();
  }
}

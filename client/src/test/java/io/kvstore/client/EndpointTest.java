package io.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Endpoint texts as etcdctl takes them, and the builder's checks. */
class EndpointTest {
  @Test
  void parsesHostPortWithOrWithoutHttp() {
    assertThat(Endpoint.parse("127.0.0.1:2379")).isEqualTo(new Endpoint("127.0.0.1", 2379));
    assertThat(Endpoint.parse("http://localhost:2379/")).isEqualTo(new Endpoint("localhost", 2379));
    assertThat(Endpoint.parse("[::1]:2379")).isEqualTo(new Endpoint("::1", 2379));
    assertThat(Endpoint.parse("http://[::1]:2379").toString()).isEqualTo("[::1]:2379");
  }

  @Test
  void refusesWhatIsNotHostPort() {
    assertThatThrownBy(() -> Endpoint.parse("https://h:2379")).hasMessageContaining("TLS");
    assertThatThrownBy(() -> Endpoint.parse("h")).hasMessageContaining("not host:port");
    assertThatThrownBy(() -> Endpoint.parse("h:2379/v3")).hasMessageContaining("not host:port");
    assertThatThrownBy(() -> Endpoint.parse("h:0")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theTargetNamesEveryEndpointInOrder() {
    assertThat(EndpointsNameResolverProvider.target(List.of(new Endpoint("a", 1),
        new Endpoint("::1", 2)))).isEqualTo("kvstore-endpoints:///a:1,%5B::1%5D:2");
  }

  @Test
  void theBuilderSaysWhichSettingIsWrong() {
    assertThatThrownBy(() -> KvClient.builder().build()).hasMessageStartingWith("endpoints:");
    assertThatThrownBy(() -> KvClient.builder().endpoints("a:1", "http://a:1").build())
        .hasMessageContaining("names one twice");
    assertThatThrownBy(() -> KvClient.builder().endpoints("a:1").callTimeout(Duration.ZERO)
        .build()).hasMessageStartingWith("callTimeout:");
  }
}

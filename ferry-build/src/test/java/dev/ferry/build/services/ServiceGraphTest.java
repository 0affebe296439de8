package dev.ferry.build.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceGraphTest {
  @Test
  void order_putsEveryServiceAfterItsDependencies_keepingTheGivenOrderOtherwise() {
    ServiceGraph g = ServiceGraph.of(List.of("api", "worker", "base", "tools", "web"),
        Map.of("api", Set.of("base"), "web", Set.of("api", "tools"), "tools", Set.of("base")));
    assertThat(g.order()).containsExactly("worker", "base", "api", "tools", "web");
    assertThat(g.dependants("base")).containsExactlyInAnyOrder("api", "tools", "web");
    assertThat(g.dependants("worker")).isEmpty();
  }

  @Test
  void cycle_isAnErrorNamingTheServicesInIt() {
    assertThatThrownBy(() -> ServiceGraph.of(List.of("ok", "a", "b", "c"),
            Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "ok", Set.of())))
        .isInstanceOf(ServicesException.class)
        .hasMessage("dependency cycle between services: a -> b -> c -> a");
    assertThatThrownBy(() -> ServiceGraph.of(List.of("x", "a", "b"), Map.of("x", Set.of("a"), "a", Set.of("b"), "b", Set.of("a"))))
        .hasMessage("dependency cycle between services: a -> b -> a");
  }
}

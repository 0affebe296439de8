package dev.ferry.registry.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChallengeTest {
  @Test
  void parse_dockerHubBearer_givesRealmServiceScope() {
    List<Challenge> c = Challenge.parse(List.of(
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\""));
    assertThat(c).hasSize(1);
    assertThat(c.get(0).scheme()).isEqualTo("bearer");
    assertThat(c.get(0).param("realm")).contains("https://auth.docker.io/token");
    assertThat(c.get(0).param("service")).contains("registry.docker.io");
    assertThat(c.get(0).param("scope")).contains("repository:library/busybox:pull");
  }

  @Test
  void parse_scopeWithCommaAndEscapedQuote_keepsWholeValue() {
    List<Challenge> c = Challenge.parse(List.of(
        "Bearer realm=\"https://h/t\", scope=\"repository:a/b:pull,push repository:c:pull\", error=\"say \\\"hi\\\"\""));
    assertThat(c.get(0).param("scope")).contains("repository:a/b:pull,push repository:c:pull");
    assertThat(c.get(0).param("error")).contains("say \"hi\"");
  }

  @Test
  void parse_basicAndBearerInOneValue_givesTwoChallenges() {
    List<Challenge> c = Challenge.parse(List.of("Basic realm=\"Registry Realm\", Bearer realm=\"https://h/token\",service=\"h\""));
    assertThat(c).extracting(Challenge::scheme).containsExactly("basic", "bearer");
    assertThat(c.get(0).param("realm")).contains("Registry Realm");
    assertThat(c.get(1).param("service")).contains("h");
  }

  @Test
  void parse_unquotedValuesAndUpperCaseNames_areAccepted() {
    List<Challenge> c = Challenge.parse(List.of("BASIC Realm=harbor"));
    assertThat(c.get(0).scheme()).isEqualTo("basic");
    assertThat(c.get(0).param("realm")).contains("harbor");
  }

  @Test
  void parse_token68AndGarbage_doNotThrow() {
    assertThat(Challenge.parse(List.of("Negotiate abc==, Bearer realm=\"x\""))).extracting(Challenge::scheme)
        .containsExactly("negotiate", "bearer");
    assertThat(Challenge.parse(List.of("=\"\",,, \"unterminated"))).isNotNull();
    assertThat(Challenge.parse(List.of(""))).isEmpty();
  }
}

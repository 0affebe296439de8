package dev.ferry.registry.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinkHeaderTest {
  @Test
  void next_distributionStyle_givesRelativeTarget() {
    assertThat(LinkHeader.next(List.of("</v2/_catalog?last=b&n=2>; rel=\"next\"")))
        .contains("/v2/_catalog?last=b&n=2");
  }

  @Test
  void next_unquotedRelAndExtraParams_found() {
    assertThat(LinkHeader.next(List.of("<https://r.example/v2/a/tags/list?n=2&last=x>; type=\"json\"; rel=next")))
        .contains("https://r.example/v2/a/tags/list?n=2&last=x");
  }

  @Test
  void next_amongSeveralLinks_picksNext() {
    assertThat(LinkHeader.next(List.of("</v2/x?p=1>; rel=\"prev\", </v2/x?p=3>; rel=\"next\""))).contains("/v2/x?p=3");
    assertThat(LinkHeader.next(List.of("</first>; rel=\"first\"", "</n>; rel=\"last next\""))).contains("/n");
  }

  @Test
  void next_noNextOrMalformed_empty() {
    assertThat(LinkHeader.next(List.of())).isEmpty();
    assertThat(LinkHeader.next(List.of("</v2/x>; rel=\"prev\""))).isEmpty();
    assertThat(LinkHeader.next(List.of("<unterminated; rel=next"))).isEmpty();
    assertThat(LinkHeader.next(List.of("<>; rel=next"))).isEmpty();
  }
}

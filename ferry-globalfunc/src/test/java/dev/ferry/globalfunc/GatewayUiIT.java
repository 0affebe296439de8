package dev.ferry.globalfunc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Chromium;
import dev.ferry.testing.Peers;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code /ui} page in headless Chromium: browse, open a function, search, call it from the form, see an error;
 * a screenshot is saved as {@code target/globalfunc-ui.png}.
 */
class GatewayUiIT {
  @TempDir Path tmp;
  Catalog catalog;
  Gateway gateway;
  Chromium browser;
  String base;

  @BeforeEach
  void setUp() throws Exception {
    Peers.require("python3");
    browser = Chromium.start(tmp.resolve("profile"));
    catalog = Catalog.open(tmp.resolve("catalog.db").toString());
    try (FunctionRepository repo = SeedRepository.create(tmp.resolve("GlobalFunc"))) {
      FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, SeedRepository.settings(), List.of("Base.inverse_time_str", "Base.greet", "Base.to_pickle", "Tools"));
      Files.writeString(repo.root().resolve("Base/greet.py"), Files.readString(repo.root().resolve("Base/greet.py")).replace("\"hello \"", "\"hi \""));
      FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, SeedRepository.settings(), List.of("Base.greet"));
    }
    Invoker invoker = new Invoker(catalog, SeedRepository.settings(), new Metrics(), FunctionKeys.DEFAULT_SPACE, "master");
    gateway = new Gateway(invoker, new InetSocketAddress("127.0.0.1", 0), Tokens.none(), Gateway.DEFAULT_MAX_BODY).start();
    base = "http://127.0.0.1:" + gateway.port();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (catalog != null) {
      catalog.close();
    }
  }

  @Test
  void clickThrough_browseReadSearchAndCall() throws Exception {
    browser.navigate(base + "/ui");
    Duration t = Duration.ofSeconds(30);
    browser.waitFor("document.querySelectorAll('nav a').length >= 4", t);
    assertThat(browser.eval("[...document.querySelectorAll('nav h2')].map(h => h.textContent)").toString()).contains("Base · master", "Tools · master");

    // open a function from the list: code, signature, docstring, two versions
    browser.eval("document.querySelector('nav a[data-key=\"sp_GlobalFunc.Base_master.greet\"]').click()");
    browser.waitFor("document.getElementById('fn-code')", t);
    assertThat(browser.eval("document.getElementById('fn-signature').textContent").asText()).isEqualTo("greet(name: str, punctuation: str='!') -> str");
    assertThat(browser.eval("document.getElementById('fn-code').textContent").asText()).contains("return \"hi \" + name + punctuation");
    assertThat(browser.eval("document.querySelectorAll('#versions tr').length").asInt()).isEqualTo(3);
    assertThat(browser.eval("document.getElementById('fn-doc').textContent").asText()).startsWith("Say hello to someone by name.");

    // try it: the form is prefilled from the parameters; edit and call
    assertThat(browser.eval("JSON.parse(document.getElementById('kwargs').value)").toString()).isEqualTo("{\"name\":null,\"punctuation\":\"!\"}");
    browser.eval("document.getElementById('kwargs').value = '{\"name\": \"ferry\", \"punctuation\": \"?\"}'; document.getElementById('call').click()");
    browser.waitFor("!document.getElementById('result').hidden", t);
    assertThat(browser.eval("document.getElementById('result').textContent").asText()).startsWith("\"hi ferry?\"").contains("greeting ferry");
    assertThat(browser.eval("document.getElementById('call-status').textContent").asText()).startsWith("HTTP 200");

    // a wrong argument shows the error and the signature
    browser.eval("document.getElementById('kwargs').value = '{\"nom\": 1}'; document.getElementById('call').click()");
    browser.waitFor("document.getElementById('call-status').textContent.startsWith('HTTP 400')", t);
    assertThat(browser.eval("document.getElementById('result').textContent").asText()).contains("signature: greet(name: str, punctuation: str = '!') -> str");

    // search narrows the list (Chinese docstring of the original notes)
    browser.eval("const s = document.getElementById('search'); s.value = '时间戳'; s.dispatchEvent(new Event('input'))");
    browser.waitFor("document.querySelector('nav h2') && document.querySelector('nav h2').textContent.startsWith('Search')", t);
    assertThat(browser.eval("[...document.querySelectorAll('nav a')].map(a => a.dataset.key)").toString()).isEqualTo("[\"sp_GlobalFunc.Base_master.inverse_time_str\"]");
    browser.eval("document.querySelector('nav a').click()");
    browser.waitFor("document.getElementById('fn-name') && document.getElementById('fn-name').textContent === 'Base.inverse_time_str'", t);
    browser.eval("document.getElementById('kwargs').value = '{\"time_str\": \"2024-02-15 11:11:11\", \"bias_hours\": -8}'; document.getElementById('call').click()");
    browser.waitFor("!document.getElementById('result').hidden", t);
    assertThat(browser.eval("document.getElementById('result').textContent").asText().strip()).isEqualTo("1707966671");
    browser.screenshot(Path.of("target/globalfunc-ui.png"));
    assertThat(Files.size(Path.of("target/globalfunc-ui.png"))).isGreaterThan(10_000);
  }
}

package dev.ferry.registry.client.internal;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code rel="next"} target of an RFC 8288 {@code Link} header, as registries send for paginated tag lists and
 * catalogs: {@code </v2/_catalog?last=b&n=2>; rel="next"}. Stateless.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags">listing tags</a>
 */
public final class LinkHeader {
  private LinkHeader() {}

  /** The URI reference of the next page (often relative to the registry), if any header value has one. */
  public static Optional<String> next(List<String> values) {
    for (String value : values) {
      int i = 0;
      while (i < value.length()) {
        int lt = value.indexOf('<', i);
        if (lt < 0) {
          break;
        }
        int gt = value.indexOf('>', lt);
        if (gt < 0) {
          break;
        }
        String target = value.substring(lt + 1, gt).trim();
        int nextLink = value.indexOf('<', gt);
        String params = value.substring(gt + 1, nextLink < 0 ? value.length() : nextLink);
        for (String p : params.split(";")) {
          String[] kv = p.trim().split("=", 2);
          if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("rel")) {
            String rels = kv[1].trim().replace("\"", "").toLowerCase(Locale.ROOT);
            for (String rel : rels.split("\\s+")) {
              if (rel.equals("next") && !target.isEmpty()) {
                return Optional.of(target);
              }
            }
          }
        }
        i = gt + 1;
      }
    }
    return Optional.empty();
  }
}

/**
 * A client of OCI distribution-spec registries over {@code java.net.http}: {@link
 * dev.ferry.registry.client.RegistryClient} pulls into and pushes from Ferry's store, lists tags, catalogs and
 * referrers, deletes, and logs in. Auth (anonymous, basic, bearer tokens; {@code ~/.docker/config.json} with its
 * credential helpers), mirrors ({@code registries.yaml}), retries and resumable transfers live behind it in
 * {@code internal}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md">OCI distribution spec</a>
 */
package dev.ferry.registry.client;

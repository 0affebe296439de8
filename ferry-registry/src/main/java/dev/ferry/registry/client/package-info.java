/** A registry client over {@code java.net.http}: pull, push, tags, catalog, referrers, auth, mirrors. */
package dev.ferry.registry.client;

/**
 * Implementation of the registry client: the per-registry HTTP transport (auth, retries, redirects, errors),
 * manifest and blob transfers with resumption, and the pull and push operations. Not an API.
 */
package dev.ferry.registry.client.internal;

/** Jackson plumbing of the registry client; never part of a public signature. */
package dev.ferry.registry.client.internal.json;

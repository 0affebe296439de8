/** A registry server backed by Ferry's content store: the whole distribution API with auth. */
package dev.ferry.registry.server;

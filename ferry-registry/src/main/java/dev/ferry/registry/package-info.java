/** The OCI distribution spec, shared by Ferry's registry client and server: error codes and failures. */
package dev.ferry.registry;

/**
 * Python delivery without pip: wheel file names and metadata (PEP 427), compatibility tags (PEP 425, 600, 656),
 * targets detected from images, locks (requirements.txt with hashes, PEP 751 {@code pylock.toml}), simple-index
 * clients (PEP 503 HTML, PEP 691 JSON), per-target wheelhouses kept as blobs in the store, installation of
 * wheels as one reproducible image layer, and source protection. See {@code docs/python.md}.
 */
package dev.ferry.python;

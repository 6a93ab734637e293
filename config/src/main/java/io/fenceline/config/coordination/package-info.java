/**
 * The etcd coordination layer shared by proxy and control: the lease keeper with the deadline rule, the
 * campaign for a key (epoch = create revision), watches that resume after disconnects and compaction, and
 * typed record storage. The only package that imports jetcd ({@code io.etcd}); its public API exposes
 * only our own types, so callers never see a jetcd class.
 */
package io.fenceline.config.coordination;

package io.fenceline.demo.report;

/** A scenario event drawn across every lane (for example "partition eu from etcd"). */
public record Marker(long atMillis, String label) {
}

package io.fenceline.config.manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The manifests of a migrations folder, validated as a whole.
 *
 * <p>Validation lists every problem at once, each naming its file: unreadable or malformed files,
 * file names that break the naming rules ({@link ManifestFileName}), a file-name version that differs from
 * the version inside the file, duplicate versions, gaps (versions must be contiguous from the first), and,
 * against what was applied: manifests edited after they were applied, applied versions whose file is gone,
 * and versions left unapplied below an applied one. A set with problems still lists the manifests that
 * read cleanly (for {@code plan}), but {@link #valid()} is false and nothing may be applied from it.
 */
public final class ManifestSet {

    private final String folder;
    private final List<Manifest> manifests;
    private final List<ManifestProblem> problems;

    private ManifestSet(String folder, List<Manifest> manifests, List<ManifestProblem> problems) {
        this.folder = folder;
        this.manifests = List.copyOf(manifests);
        this.problems = List.copyOf(problems);
    }

    /** Loads a folder with nothing applied yet. */
    public static ManifestSet load(Path folder) {
        return load(folder, List.of());
    }

    /**
     * Loads and validates a folder.
     *
     * @param folder  the migrations folder; only its direct entries are read
     * @param applied what has been applied so far (from the history table or etcd)
     */
    public static ManifestSet load(Path folder, Collection<AppliedManifest> applied) {
        String folderName = folder.toString();
        List<Path> files;
        try (Stream<Path> entries = Files.list(folder)) {
            files = entries.filter(Files::isRegularFile).sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            return new ManifestSet(folderName, List.of(), List.of(new ManifestProblem(ManifestProblem.Kind.UNREADABLE,
                    folderName, "", "cannot list the migrations folder: " + e)));
        }

        List<ManifestProblem> problems = new ArrayList<>();
        // Every file that claims a version, by that version; the file name decides, so a broken file
        // still occupies its version and does not also show up as a gap.
        Map<Integer, List<String>> claims = new TreeMap<>();
        Map<Integer, Manifest> manifests = new TreeMap<>();
        Map<Integer, List<Path>> undo = new TreeMap<>();
        List<Path> flyway = new ArrayList<>();
        for (Path file : files) {
            ManifestFileName name = ManifestFileName.parse(file.getFileName().toString());
            if (name instanceof ManifestFileName.FlywayUndo u) {
                undo.computeIfAbsent(u.version(), v -> new ArrayList<>()).add(file);
            } else if (name instanceof ManifestFileName.FlywayVersioned f) {
                claims.computeIfAbsent(f.version(), v -> new ArrayList<>()).add(file.toString());
                flyway.add(file);
            } else if (name instanceof ManifestFileName.Yaml y) {
                claims.computeIfAbsent(y.version(), v -> new ArrayList<>()).add(file.toString());
                read(file, problems).ifPresent(text -> {
                    ManifestReader.Result result = ManifestReader.readYaml(file.toString(), text);
                    if (result instanceof ManifestReader.Result.Invalid invalid) {
                        problems.addAll(invalid.problems());
                    } else {
                        Manifest manifest = ((ManifestReader.Result.Read) result).manifest();
                        if (manifest.version() != y.version()) {
                            problems.add(new ManifestProblem(ManifestProblem.Kind.VERSION_MISMATCH, file.toString(),
                                    "version", "the file name says V" + y.version() + " but the file says version: "
                                    + manifest.version() + "; make them agree"));
                        } else {
                            manifests.putIfAbsent(manifest.version(), manifest);
                        }
                    }
                });
            } else if (name instanceof ManifestFileName.Refused r) {
                problems.add(new ManifestProblem(r.kind(), file.toString(), "", r.reason()));
            }
        }

        for (Path file : flyway) {
            ManifestFileName.FlywayVersioned f =
                    (ManifestFileName.FlywayVersioned) ManifestFileName.parse(file.getFileName().toString());
            List<Path> undoFiles = undo.getOrDefault(f.version(), List.of());
            String undoText = null;
            if (undoFiles.size() == 1) {
                undoText = read(undoFiles.get(0), problems).orElse(null);
            }
            Optional<String> text = read(file, problems);
            if (text.isPresent()) {
                ManifestReader.Result result = ManifestReader.readFlyway(file.toString(), f.version(),
                        f.description(), text.get(), undoText);
                if (result instanceof ManifestReader.Result.Invalid invalid) {
                    problems.addAll(invalid.problems());
                } else {
                    manifests.putIfAbsent(f.version(), ((ManifestReader.Result.Read) result).manifest());
                }
            }
        }
        undo.forEach((version, undoFiles) -> {
            if (undoFiles.size() > 1) {
                problems.add(new ManifestProblem(ManifestProblem.Kind.DUPLICATE, undoFiles.get(1).toString(), "",
                        "V" + version + " has several undo files: " + undoFiles));
            }
            if (!claims.containsKey(version)) {
                problems.add(new ManifestProblem(ManifestProblem.Kind.FILE_NAME, undoFiles.get(0).toString(), "",
                        "undo file for V" + version + " but there is no V" + version + "__ file"));
            }
        });

        claims.forEach((version, claimants) -> {
            if (claimants.size() > 1) {
                manifests.remove(version);
                problems.add(new ManifestProblem(ManifestProblem.Kind.DUPLICATE, claimants.get(1), "",
                        "V" + version + " is declared by " + claimants.size() + " files: "
                                + String.join(", ", claimants)));
            }
        });
        if (claims.isEmpty() && problems.isEmpty()) {
            problems.add(new ManifestProblem(ManifestProblem.Kind.EMPTY, folderName, "",
                    "holds no manifest (<version>-<slug>.yaml or V<version>__<name>.sql)"));
        }
        gaps(claims, problems);
        againstApplied(folderName, claims, manifests, applied, problems);
        return new ManifestSet(folderName, new ArrayList<>(manifests.values()), problems);
    }

    private static void gaps(Map<Integer, List<String>> claims, List<ManifestProblem> problems) {
        Integer previous = null;
        for (Map.Entry<Integer, List<String>> claim : claims.entrySet()) {
            int version = claim.getKey();
            if (previous != null && version != previous + 1) {
                String missing = version == previous + 2 ? "V" + (previous + 1)
                        : "V" + (previous + 1) + " to V" + (version - 1);
                problems.add(new ManifestProblem(ManifestProblem.Kind.GAP, claim.getValue().get(0), "",
                        "versions jump from V" + previous + " (" + claims.get(previous).get(0) + ") to V" + version
                                + ": " + missing + " missing; versions must be contiguous"));
            }
            previous = version;
        }
    }

    private static void againstApplied(String folder, Map<Integer, List<String>> claims,
                                       Map<Integer, Manifest> manifests, Collection<AppliedManifest> applied,
                                       List<ManifestProblem> problems) {
        Map<Integer, AppliedManifest> byVersion = new TreeMap<>();
        for (AppliedManifest a : applied) {
            byVersion.put(a.version(), a);
        }
        int highestApplied = byVersion.isEmpty() ? 0 : ((TreeMap<Integer, AppliedManifest>) byVersion).lastKey();
        for (AppliedManifest a : byVersion.values()) {
            if (!claims.containsKey(a.version())) {
                problems.add(new ManifestProblem(ManifestProblem.Kind.MISSING, folder, "",
                        "V" + a.version() + " was applied (checksum " + a.checksum()
                                + ") but no file in the folder declares it; restore the file"));
                continue;
            }
            Manifest m = manifests.get(a.version());
            if (m != null && !m.checksum().equals(a.checksum())) {
                problems.add(new ManifestProblem(ManifestProblem.Kind.EDITED, m.source(), "",
                        m.label() + " was edited after it was applied: checksum " + m.checksum() + ", applied "
                                + a.checksum() + "; restore the applied content and put the change in a new version"));
            }
        }
        for (Map.Entry<Integer, List<String>> claim : claims.entrySet()) {
            int version = claim.getKey();
            if (version < highestApplied && !byVersion.containsKey(version)) {
                problems.add(new ManifestProblem(ManifestProblem.Kind.OUT_OF_ORDER, claim.getValue().get(0), "",
                        "V" + version + " is not applied but V" + highestApplied
                                + " already is; versions apply in order, so give this change a version after V"
                                + highestApplied));
            }
        }
    }

    private static Optional<String> read(Path file, List<ManifestProblem> problems) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            problems.add(new ManifestProblem(ManifestProblem.Kind.UNREADABLE, file.toString(), "",
                    "cannot read: " + e));
            return Optional.empty();
        }
    }

    /** The folder as it was given. */
    public String folder() {
        return folder;
    }

    /** The manifests that read cleanly, by ascending version. */
    public List<Manifest> manifests() {
        return manifests;
    }

    /** Every problem found; empty when the set may be used. */
    public List<ManifestProblem> problems() {
        return problems;
    }

    /** True when there are no problems. */
    public boolean valid() {
        return problems.isEmpty();
    }

    /** The manifest of one version. */
    public Optional<Manifest> version(int version) {
        return manifests.stream().filter(m -> m.version() == version).findFirst();
    }

    @Override
    public String toString() {
        return "ManifestSet{folder=" + folder + ", versions=" + manifests.stream().map(Manifest::version).toList()
                + ", problems=" + problems.size() + "}";
    }
}

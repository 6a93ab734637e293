package io.fenceline.proxy.fuzz;

/**
 * {@code bin/fuzz-fence --sessions N [--seed S] [--schema-statements M] [--max-shrunk K]}: the harness run long.
 * Exit code 0 when nothing reached the database and no schema disagreement was found, 1 otherwise, 64 for bad
 * arguments.
 */
public final class FenceFuzzMain {

    private FenceFuzzMain() {
    }

    public static void main(String[] args) {
        long seed = 13;
        int sessions = 1000;
        Integer schema = null;
        int maxShrunk = 10;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                    case "--seed" -> seed = Long.parseLong(args[++i]);
                    case "--schema-statements" -> schema = Integer.parseInt(args[++i]);
                    case "--max-shrunk" -> maxShrunk = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (sessions < 0 || maxShrunk < 0 || (schema != null && schema < 0)) {
                throw new IllegalArgumentException("counts must not be negative");
            }
        } catch (RuntimeException e) {
            System.err.println("fuzz-fence: " + e.getMessage()
                    + "\nusage: bin/fuzz-fence --sessions N [--seed S] [--schema-statements M] [--max-shrunk K]");
            System.exit(64);
        }
        FuzzRun.Result r = FuzzRun.run(seed, sessions, schema == null ? sessions : schema, maxShrunk, System.out);
        System.out.flush();
        // Refusals on purpose (valid on the version's catalog, resolved outside it live) are not failures.
        boolean schemaFails = r.schema().disagreements().stream().anyMatch(d -> !d.byDesign());
        System.exit(r.fence().writes() == 0 && !schemaFails ? 0 : 1);
    }
}

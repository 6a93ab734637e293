package io.fenceline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The schema check finds what the API server would drop or refuse: unknown fields, wrong types, unknown kinds. */
class KubernetesSchemaTest {

    private static final String POD_SPEC = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: d}
            spec:
              selector: {matchLabels: {app: a}}
              template:
                metadata: {labels: {app: a}}
                spec:
                  containers:
                    - name: proxy
                      image: fenceline/fenceline:0.1.0
                      %s
            """;

    @Test
    void aConformingObjectHasNoProblem() throws IOException {
        assertEquals(List.of(), KubernetesSchema.problems(yaml(POD_SPEC.formatted(
                "readinessProbe: {httpGet: {path: /ready, port: admin}}"))));
    }

    @Test
    void aMisspelledFieldDeepInsideIsNamedWithItsPath() throws IOException {
        List<String> problems = KubernetesSchema.problems(yaml(POD_SPEC.formatted(
                "readinesProbe: {httpGet: {path: /ready, port: admin}}")));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("spec.template.spec.containers[0]: fields unknown to the schema: [readinesProbe]"),
                problems.get(0));
    }

    @Test
    void aWrongTypeIsAProblem() throws IOException {
        List<String> problems = KubernetesSchema.problems(yaml(POD_SPEC.formatted("ports: [{containerPort: many}]")));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("does not match the apps/v1/Deployment schema"), problems.get(0));
    }

    @Test
    void anUnknownKindIsAProblem() throws IOException {
        List<String> problems = KubernetesSchema.problems(yaml("apiVersion: v1\nkind: Pdo\nmetadata: {name: x}\n"));
        assertTrue(problems.get(0).contains("no schema known for v1/Pdo"), problems.toString());
    }

    private static JsonNode yaml(String text) throws IOException {
        return Chart.YAML.readTree(text);
    }
}

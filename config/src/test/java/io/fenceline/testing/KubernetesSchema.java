package io.fenceline.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks rendered manifests against Kubernetes' API schemas, as fabric8's generated model classes carry them:
 * each object is bound to the class of its {@code apiVersion}/{@code kind} with every type checked (a string
 * where an integer belongs fails), and a field the schema does not know — which fabric8 would keep aside in
 * {@code additionalProperties} and the API server would drop or refuse — is a problem named by its path.
 * Objects of kinds outside these models (the Prometheus operator's {@code ServiceMonitor}) are checked for
 * {@code apiVersion}, {@code kind} and {@code metadata.name} only, and listed as such by {@link #unchecked}.
 */
public final class KubernetesSchema {

    private static final Map<String, Class<?>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

    /** Kinds of custom resources the chart may render, checked only for their identity. */
    private static final Set<String> CUSTOM = Set.of("monitoring.coreos.com/v1/ServiceMonitor");

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    private KubernetesSchema() {
    }

    /** Whether {@code object}'s kind is a custom resource checked for its identity only. */
    public static boolean unchecked(JsonNode object) {
        return CUSTOM.contains(object.path("apiVersion").asText() + "/" + object.path("kind").asText());
    }

    /** Every problem of {@code object} against its kind's schema; empty when it conforms. */
    public static List<String> problems(JsonNode object) {
        String id = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        String name = id + " " + object.path("metadata").path("name").asText("(no metadata.name)");
        List<String> problems = new ArrayList<>();
        if (!object.path("metadata").path("name").isTextual()) {
            problems.add(name + ": metadata.name is missing");
        }
        if (CUSTOM.contains(id)) {
            return problems;
        }
        Class<?> type = KINDS.get(id);
        if (type == null) {
            problems.add(name + ": no schema known for " + id + " (known: " + new java.util.TreeSet<>(KINDS.keySet()) + ")");
            return problems;
        }
        Object bound;
        try {
            bound = STRICT.treeToValue(object, type);
        } catch (Exception e) {
            problems.add(name + ": does not match the " + id + " schema: " + e.getMessage());
            return problems;
        }
        unknownFields(bound, "", problems, name, new IdentityHashMap<>());
        return problems;
    }

    /** Records every non-empty {@code additionalProperties} below {@code o}: fields the schema lacks. */
    private static void unknownFields(Object o, String path, List<String> problems, String name,
                                      IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", problems, name, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                unknownFields(e.getValue(), path + "[" + e.getKey() + "]", problems, name, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(o);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(name + ": " + (path.isEmpty() ? "" : path.substring(1) + ": ")
                            + "fields unknown to the schema: " + extra.keySet());
                }
                continue;
            }
            String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            unknownFields(value, path + "." + field, problems, name, seen);
        }
    }
}

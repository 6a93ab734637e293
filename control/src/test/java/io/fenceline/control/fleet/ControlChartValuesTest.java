package io.fenceline.control.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.testing.Chart;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's default values produce a control configuration that {@link FleetConfigLoader} accepts: the
 * chart's {@code control.yaml} is {@code toYaml .Values.control.config}, and the variables its
 * {@code password_env} keys name come from the control Secret ({@code envFrom}).
 */
class ControlChartValuesTest {

    private final Chart chart = Chart.fenceline();

    @Test
    void defaultValuesAreAValidControlConfiguration() {
        List<String> asked = new ArrayList<>();
        Map<String, String> secret = new HashMap<>();
        FleetConfigLoader.Result result = FleetConfigLoader.parse("charts/fenceline/values.yaml#control.config",
                chart.toYaml("control.config"), name -> {
                    asked.add(name);
                    return secret.computeIfAbsent(name, n -> "from-the-control-secret");
                });
        FleetConfig config = assertInstanceOf(FleetConfigLoader.Result.Loaded.class, result, result::toString).config();
        assertEquals(chart.value("control.config.group").asText(), config.group());
        assertTrue(config.policies().requireProxies(), "the chart deploys proxies, so control requires them");
        // Every password_env the clusters name is a variable the pod gets from the Secret by envFrom.
        List<String> named = new ArrayList<>();
        for (JsonNode c : chart.value("control.config.clusters")) {
            if (c.has("password_env")) {
                named.add(c.get("password_env").asText());
            }
        }
        assertEquals(named, asked);
        assertTrue(chart.template("control-deployment.yaml").contains("envFrom:"));
    }

    @Test
    void controlAndTheProxiesAgreeOnGroupPrefixAndMigrationRole() {
        assertEquals(chart.value("proxy.config.group.name").asText(), chart.value("control.config.group").asText());
        assertEquals(chart.value("proxy.config.schema.group").asText(), chart.value("control.config.group").asText());
        assertEquals(chart.value("proxy.config.etcd.prefix").asText(), chart.value("control.config.etcd.prefix").asText());
        assertEquals(chart.value("proxy.config.etcd.endpoints"), chart.value("control.config.etcd.endpoints"));
        // The proxies let DDL through only from schema.controlRole: control must migrate as that role.
        String role = chart.value("proxy.config.schema.controlRole").asText();
        for (JsonNode c : chart.value("control.config.clusters")) {
            assertEquals(role, c.get("user").asText(), "control.config.clusters[].user of " + c.get("name"));
        }
        // The release's own cluster is one control migrates.
        String cluster = chart.value("proxy.config.group.cluster").asText();
        assertTrue(config().cluster(cluster).isPresent(), cluster + " is not in control.config.clusters");
    }

    private FleetConfig config() {
        FleetConfigLoader.Result result = FleetConfigLoader.parse("values.yaml", chart.toYaml("control.config"), n -> "pw");
        return assertInstanceOf(FleetConfigLoader.Result.Loaded.class, result, result::toString).config();
    }

    @Test
    void theDeploymentRunsApplyWithTheMountedFiles() {
        String deployment = chart.template("control-deployment.yaml");
        assertTrue(deployment.contains("fenceline apply --config /etc/fenceline/control.yaml --migrations /etc/fenceline/migrations"),
                deployment);
        assertTrue(deployment.contains("mountPath: /etc/fenceline/control.yaml"));
        assertTrue(deployment.contains("mountPath: /etc/fenceline/migrations"));
        assertTrue(chart.value("control.replicas").asInt() > 1,
                "several replicas are safe: only the holder of control's etcd leader key applies");
    }
}

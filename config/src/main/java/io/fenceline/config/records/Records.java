package io.fenceline.config.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.InjectableValues;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/**
 * JSON codec of the records stored in etcd. Timestamps are ISO-8601 strings; enums use their lower-case
 * text. Unknown fields are ignored so that a newer writer does not break an older reader during a rolling
 * upgrade; a missing field or a value breaking a record's rule is an error naming the key and the field.
 */
public final class Records {

    private static final int MAX_QUOTED = 200;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Defaults for fields newer than some stored records (marked @JacksonInject(useInput = TRUE)): a value
            // in the JSON wins, an absent one gets the default.
            .injectableValues(new InjectableValues.Std()
                    .addValue(MigrationJournal.Timing.class, MigrationJournal.Timing.NONE))
            .build();

    private Records() {
    }

    /** The record as compact JSON text. */
    public static String toJson(Object record) {
        try {
            return MAPPER.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + record.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** The record as UTF-8 JSON bytes. */
    public static byte[] toJsonBytes(Object record) {
        return toJson(record).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads UTF-8 JSON bytes stored under {@code key}. */
    public static <T> T fromJson(String key, byte[] json, Class<T> type) {
        return fromJson(key, new String(json, StandardCharsets.UTF_8), type);
    }

    /**
     * Reads the JSON text stored under {@code key} as a {@code type}.
     *
     * @throws RecordCodecException naming the key, the field and what was wrong
     */
    public static <T> T fromJson(String key, String json, Class<T> type) {
        if (json == null || json.isBlank()) {
            throw new RecordCodecException(key, "(document)", "etcd key " + key + ": empty value, expected a "
                    + type.getSimpleName() + " JSON object", null);
        }
        try {
            return MAPPER.readValue(json, type);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvalidRecordException invalid) {
                throw new RecordCodecException(key, invalid.field(), "etcd key " + key + ": " + type.getSimpleName()
                        + " " + invalid.getMessage() + " in " + quote(json), invalid);
            }
            throw failure(key, json, type, e);
        } catch (JsonMappingException e) {
            throw failure(key, json, type, e);
        } catch (JsonProcessingException e) {
            throw new RecordCodecException(key, "(document)", "etcd key " + key + ": not valid JSON for "
                    + type.getSimpleName() + " (" + e.getOriginalMessage() + ") in " + quote(json), e);
        }
    }

    private static RecordCodecException failure(String key, String json, Class<?> type, JsonMappingException e) {
        String field = e.getPath().isEmpty() ? "(document)" : e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
        Throwable root = e.getCause() instanceof InvalidRecordException invalid ? invalid : e;
        String why = root instanceof InvalidRecordException ? root.getMessage() : e.getOriginalMessage();
        return new RecordCodecException(key, field, "etcd key " + key + ": " + type.getSimpleName() + " field '"
                + field + "': " + firstLine(why) + " in " + quote(json), e);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String quote(String json) {
        String t = json.length() > MAX_QUOTED ? json.substring(0, MAX_QUOTED) + "…" : json;
        return "'" + t + "'";
    }
}

package io.tandem.function;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Immutable HTTP headers: names compare case-insensitively, and a name may carry several values. Thread-safe.
 *
 * <p>Headers made by {@link #ofPairs} or {@link #plus} keep their fields as a list of name and value pairs in the
 * order given, and look a name up by scanning it: a request carries a handful of headers, so this costs less than
 * building a map for each request. {@link #asMap()} builds the map on first use.
 */
public final class Headers {
    private static final Headers EMPTY = new Headers(new String[0]);

    /** Name, value, name, value...; null when made from a map by {@link #of}. */
    private final String[] pairs;
    /** The case-insensitive map: given to {@link #of}, or built from {@link #pairs} on first use by any thread. */
    private volatile Map<String, List<String>> map;

    private Headers(String[] pairs) {
        this.pairs = pairs;
    }

    private Headers(TreeMap<String, List<String>> map) {
        this.pairs = null;
        this.map = Collections.unmodifiableMap(map);
    }

    public static Headers empty() {
        return EMPTY;
    }

    /** Copies {@code map}; values under names that differ only in case are merged. */
    public static Headers of(Map<String, List<String>> map) {
        var copy = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
        map.forEach((name, list) -> copy.computeIfAbsent(name, n -> new ArrayList<>()).addAll(list));
        copy.replaceAll((name, list) -> List.copyOf(list));
        return new Headers(copy);
    }

    /**
     * Headers from names and values in turn, in the order received: {@code ofPairs("Accept", "a", "X-Trace", "1")}.
     * Copies the array. A name may come several times, in any case; its values keep their order.
     *
     * @throws IllegalArgumentException if the array's length is odd, a name is null or blank, or a value is null
     */
    public static Headers ofPairs(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) throw new IllegalArgumentException("names and values come in pairs: the array's length is odd");
        String[] pairs = namesAndValues.clone();
        for (int i = 0; i < pairs.length; i += 2) check(pairs[i], pairs[i + 1]);
        return pairs.length == 0 ? EMPTY : new Headers(pairs);
    }

    /** The first value of {@code name}. */
    public Optional<String> first(String name) {
        if (pairs == null) {
            List<String> list = map.get(name);
            return list == null || list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
        }
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(name)) return Optional.of(pairs[i + 1]);
        }
        return Optional.empty();
    }

    /** Every value of {@code name}, in the order received; empty when absent. */
    public List<String> all(String name) {
        if (pairs == null) return map.getOrDefault(name, List.of());
        int first = indexOf(name, 0);
        if (first < 0) return List.of();
        int second = indexOf(name, first + 2);
        if (second < 0) return List.of(pairs[first + 1]);
        var values = new ArrayList<String>();
        for (int i = first; i >= 0; i = indexOf(name, i + 2)) values.add(pairs[i + 1]);
        return List.copyOf(values);
    }

    public boolean contains(String name) {
        return pairs == null ? map.containsKey(name) : indexOf(name, 0) >= 0;
    }

    /**
     * Calls {@code action} with each name and value: in the order received or added, a name once per value, in
     * the case it was given. Unlike {@link #asMap()}, builds nothing.
     */
    public void forEach(BiConsumer<? super String, ? super String> action) {
        if (pairs == null) {
            map.forEach((name, values) -> values.forEach(value -> action.accept(name, value)));
            return;
        }
        for (int i = 0; i < pairs.length; i += 2) action.accept(pairs[i], pairs[i + 1]);
    }

    /**
     * A read-only, case-insensitive view, ordered by name; names that differ only in case are merged under the
     * first one received.
     */
    public Map<String, List<String>> asMap() {
        Map<String, List<String>> built = map;
        if (built == null) {
            var merged = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 0; i < pairs.length; i += 2) merged.computeIfAbsent(pairs[i], n -> new ArrayList<>()).add(pairs[i + 1]);
            merged.replaceAll((name, list) -> List.copyOf(list));
            built = Collections.unmodifiableMap(merged);
            map = built; // two threads may both build it: they build equal maps
        }
        return built;
    }

    /** These headers with {@code value} added to those of {@code name}. */
    public Headers plus(String name, String value) {
        check(name, value);
        if (pairs != null) {
            String[] more = Arrays.copyOf(pairs, pairs.length + 2);
            more[pairs.length] = name;
            more[pairs.length + 1] = value;
            return new Headers(more);
        }
        var copy = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(map);
        var list = new ArrayList<>(copy.getOrDefault(name, List.of()));
        list.add(value);
        copy.put(name, List.copyOf(list));
        return new Headers(copy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers other && asMap().equals(other.asMap());
    }

    @Override
    public int hashCode() {
        return asMap().hashCode();
    }

    @Override
    public String toString() {
        return asMap().toString();
    }

    private int indexOf(String name, int from) {
        for (int i = from; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(name)) return i;
        }
        return -1;
    }

    private static void check(String name, String value) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("header name is blank");
        if (value == null) throw new IllegalArgumentException("header '" + name + "' has a null value");
    }
}

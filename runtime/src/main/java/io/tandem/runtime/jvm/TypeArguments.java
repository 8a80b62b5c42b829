package io.tandem.runtime.jvm;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the type arguments a class gives a generic interface, through superclasses and superinterfaces:
 * {@code class A extends Base<Order>}, {@code Base<T> implements RequestHandler<T, String>} gives
 * {@code [Order, String]}. A type variable left open resolves to {@code Object}.
 */
final class TypeArguments {
    private TypeArguments() {
    }

    /** The arguments {@code type} gives {@code target}, or null when it does not extend or implement it. */
    static Type[] of(Class<?> type, Class<?> target) {
        return find(type, target, Map.of());
    }

    private static Type[] find(Type type, Class<?> target, Map<TypeVariable<?>, Type> outer) {
        Class<?> raw;
        var bindings = new HashMap<TypeVariable<?>, Type>();
        if (type instanceof ParameterizedType parameterized && parameterized.getRawType() instanceof Class<?> c) {
            raw = c;
            TypeVariable<?>[] variables = raw.getTypeParameters();
            Type[] arguments = parameterized.getActualTypeArguments();
            for (int i = 0; i < variables.length; i++) bindings.put(variables[i], substitute(arguments[i], outer));
        } else if (type instanceof Class<?> c) {
            raw = c;
        } else {
            return null;
        }
        if (raw == target) {
            TypeVariable<?>[] variables = raw.getTypeParameters();
            Type[] result = new Type[variables.length];
            for (int i = 0; i < variables.length; i++) result[i] = bindings.getOrDefault(variables[i], Object.class);
            return result;
        }
        List<Type> parents = new ArrayList<>(List.of(raw.getGenericInterfaces()));
        if (raw.getGenericSuperclass() != null) parents.add(raw.getGenericSuperclass());
        for (Type parent : parents) {
            Type[] found = find(parent, target, bindings);
            if (found != null) return found;
        }
        return null;
    }

    private static Type substitute(Type type, Map<TypeVariable<?>, Type> bindings) {
        return type instanceof TypeVariable<?> variable ? bindings.getOrDefault(variable, Object.class) : type;
    }
}

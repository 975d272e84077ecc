package dev.sluice.safety;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.text.Format;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Calendar;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.regex.Matcher;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.Aware;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Inspects one singleton bean for shared mutable state without protection, from the
 * declarations of its class (and of its superclasses in the inspected packages) and the
 * values of its fields:
 * <ul>
 * <li>a non-final field that is not {@code volatile} and is written outside construction
 * and injection (constructors, {@code @Autowired} / {@code @Inject} / {@code @Resource} /
 * {@code @Value} / {@code @PostConstruct} methods, {@code *Aware} callbacks,
 * {@code afterPropertiesSet} and JavaBean setters of the field);</li>
 * <li>a field whose value, by its runtime class, is a mutable type that is not
 * thread-safe ({@code HashMap}, {@code ArrayList}, {@code StringBuilder},
 * {@code SimpleDateFormat}, arrays, ...) and that the class changes in place outside
 * construction (a mutating call on it, a store into the array, any use of a formatter);
 * one filled in the constructor and only read afterwards is safely published and not
 * reported.</li>
 * </ul>
 * A field or class annotated with an annotation named {@code GuardedBy} or
 * {@code ThreadSafe} (any package, any retention) is taken at its word;
 * {@code @ConfigurationProperties} classes are bound once at start-up and skipped.
 */
public class HandlerSafetyInspector {

	private static final Set<String> TRUSTED_ANNOTATIONS = Set.of("GuardedBy", "ThreadSafe");

	private static final Set<String> INJECTION_ANNOTATIONS = Set.of("Autowired", "Inject", "Resource", "Value",
			"PostConstruct", "PersistenceContext", "PersistenceUnit");

	private static final Set<String> SKIPPED_CLASS_ANNOTATIONS = Set.of("ConfigurationProperties");

	private final List<String> packages;

	/**
	 * Creates an inspector for beans whose classes live in the given packages (or their
	 * sub-packages).
	 * @param packages the packages
	 */
	public HandlerSafetyInspector(List<String> packages) {
		this.packages = List.copyOf(packages);
	}

	/**
	 * Whether a bean's class is one this inspector looks at.
	 * @param bean the bean
	 * @return {@code true} if its class (behind any proxy) lives in the inspected
	 * packages
	 */
	public boolean covers(Object bean) {
		Object target = target(bean);
		return target != null && inPackages(ClassUtils.getUserClass(target));
	}

	/**
	 * Inspects a bean.
	 * @param beanName the bean's name
	 * @param bean the bean (a proxy is looked through to its target)
	 * @return the findings, empty when the bean is safe or not covered
	 */
	public List<HandlerSafetyFinding> inspect(String beanName, Object bean) {
		Object target = target(bean);
		if (target == null) {
			return List.of();
		}
		Class<?> userClass = ClassUtils.getUserClass(target);
		List<HandlerSafetyFinding> findings = new ArrayList<>();
		for (Class<?> type = userClass; type != null && inPackages(type); type = type.getSuperclass()) {
			ClassDeclarations declarations = ClassDeclarations.read(type);
			if (declarations == null || trusted(declarations.classAnnotations)
					|| !Collections.disjoint(declarations.classAnnotations, SKIPPED_CLASS_ANNOTATIONS)) {
				continue;
			}
			for (Field field : type.getDeclaredFields()) {
				if (field.isSynthetic()) {
					continue;
				}
				Set<String> annotations = declarations.fieldAnnotations.getOrDefault(field.getName(), Set.of());
				if (trusted(annotations)) {
					continue;
				}
				HandlerSafetyFinding finding = inspectField(beanName, userClass, type, field, annotations,
						declarations.writers.getOrDefault(field.getName(), List.of()), declarations.mutatedBy, target);
				if (finding != null) {
					findings.add(finding);
				}
			}
		}
		return findings;
	}

	private HandlerSafetyFinding inspectField(String beanName, Class<?> userClass, Class<?> declaringClass, Field field,
			Set<String> annotations, List<ClassDeclarations.Writer> writers, Map<String, Set<String>> mutatedBy,
			Object target) {
		int modifiers = field.getModifiers();
		boolean isStatic = Modifier.isStatic(modifiers);
		if (!Modifier.isFinal(modifiers) && !Modifier.isVolatile(modifiers)) {
			List<String> unsafeWriters = writers.stream()
				.filter((writer) -> !writer.isInitializer() && !isInjection(declaringClass, field, writer))
				.map((writer) -> writer.name() + "()")
				.distinct()
				.toList();
			if (!unsafeWriters.isEmpty()) {
				return new HandlerSafetyFinding(beanName, userClass.getName(), field.getName(),
						field.getType().getTypeName(),
						(isStatic ? "static" : "instance") + " field, neither final nor volatile, written by "
								+ String.join(", ", unsafeWriters) + " while every request shares the bean",
						fixForWrittenField(field.getType()));
			}
		}
		Set<String> mutators = mutatedBy.getOrDefault(field.getName(), Set.of());
		if (mutators.isEmpty()) {
			return null; // never changed after construction: safely published through the
							// final field or the context
		}
		Object value = valueOf(field, isStatic ? null : target);
		String fix = (value != null) ? fixForValue(value) : null;
		if (fix == null) {
			return null;
		}
		return new HandlerSafetyFinding(beanName, userClass.getName(), field.getName(), value.getClass().getTypeName(),
				"holds a " + value.getClass().getSimpleName() + ", which is not thread-safe, changed in place by "
						+ mutators.stream().sorted().map((name) -> name + "()").collect(Collectors.joining(", "))
						+ " while every request shares the bean",
				fix);
	}

	/**
	 * Whether a method that writes the field is part of construction or injection, not of
	 * request handling.
	 */
	private static boolean isInjection(Class<?> declaringClass, Field field, ClassDeclarations.Writer writer) {
		if (!Collections.disjoint(writer.annotations(), INJECTION_ANNOTATIONS)) {
			return true;
		}
		int parameters = org.springframework.asm.Type.getArgumentTypes(writer.descriptor()).length;
		if (parameters == 1 && writer.name().equals("set" + StringUtils.capitalize(field.getName()))) {
			return true; // a JavaBean setter: configuration, called before the bean is
							// published
		}
		if (parameters == 0 && writer.name().equals("afterPropertiesSet")
				&& InitializingBean.class.isAssignableFrom(declaringClass)) {
			return true;
		}
		return parameters == 1 && isAwareCallback(declaringClass, writer.name());
	}

	private static boolean isAwareCallback(Class<?> type, String methodName) {
		for (Class<?> candidate : ClassUtils.getAllInterfacesForClassAsSet(type)) {
			if (Aware.class.isAssignableFrom(candidate)) {
				for (Method method : candidate.getMethods()) {
					if (method.getName().equals(methodName) && method.getParameterCount() == 1) {
						return true;
					}
				}
			}
		}
		return false;
	}

	private static String fixForWrittenField(Class<?> type) {
		if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
			return "use an AtomicInteger / AtomicLong (or a LongAdder for a counter), or guard it with a lock and "
					+ "annotate it @GuardedBy";
		}
		if (type == boolean.class || type == Boolean.class) {
			return "use an AtomicBoolean, make it volatile if one write needs no read, or guard it and annotate it "
					+ "@GuardedBy";
		}
		return "make it final and set it once, hold it in an AtomicReference (or make it volatile), or guard it with "
				+ "a lock and annotate it @GuardedBy";
	}

	/**
	 * How to replace a value of a mutable, non-thread-safe type; {@code null} when the
	 * value is fine.
	 */
	static @Nullable String fixForValue(Object value) {
		Class<?> type = value.getClass();
		if (type.isArray()) {
			return (java.lang.reflect.Array.getLength(value) == 0) ? null
					: "use an AtomicIntegerArray / AtomicLongArray / AtomicReferenceArray, an immutable List.of(...) "
							+ "copy, or guard it and annotate it @GuardedBy";
		}
		if (value instanceof HashMap || value instanceof TreeMap || value instanceof WeakHashMap
				|| value instanceof IdentityHashMap || value instanceof EnumMap) {
			return "use a ConcurrentHashMap (ConcurrentSkipListMap for order, a Caffeine cache for a bounded cache), "
					+ "an immutable Map.copyOf(...), or guard it and annotate it @GuardedBy";
		}
		if (value instanceof ArrayList || value instanceof LinkedList || value instanceof ArrayDeque
				|| value instanceof PriorityQueue) {
			return "use a concurrent collection (CopyOnWriteArrayList, ConcurrentLinkedQueue, a BlockingQueue), an "
					+ "immutable List.copyOf(...), or guard it and annotate it @GuardedBy";
		}
		if (value instanceof HashSet || value instanceof TreeSet || value instanceof EnumSet
				|| value instanceof BitSet) {
			return "use ConcurrentHashMap.newKeySet() (ConcurrentSkipListSet for order), an immutable Set.copyOf(...), "
					+ "or guard it and annotate it @GuardedBy";
		}
		if (value instanceof StringBuilder) {
			return "build the string locally in each call";
		}
		if (value instanceof Format) {
			return "use a java.time DateTimeFormatter (immutable), or make one per call";
		}
		if (value instanceof Calendar) {
			return "use an immutable java.time type (Instant, ZonedDateTime)";
		}
		if (value instanceof Matcher) {
			return "keep the Pattern and call pattern.matcher(...) in each call";
		}
		return null; // concurrent, immutable, unmodifiable or unknown: not judged
	}

	private static Object valueOf(Field field, Object target) {
		try {
			field.setAccessible(true);
			return field.get(target);
		}
		catch (RuntimeException | IllegalAccessException ex) {
			return null;
		}
	}

	private static boolean trusted(Set<String> annotations) {
		return !Collections.disjoint(annotations, TRUSTED_ANNOTATIONS);
	}

	private boolean inPackages(Class<?> type) {
		String name = type.getPackageName();
		for (String candidate : this.packages) {
			if (name.equals(candidate) || name.startsWith(candidate + ".")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The object behind any Spring AOP proxy; {@code null} when it is not one shared
	 * singleton.
	 */
	private static @Nullable Object target(Object bean) {
		Object current = bean;
		while (AopUtils.isAopProxy(current)) {
			current = AopProxyUtils.getSingletonTarget(current);
			if (current == null) {
				return null; // a scoped or pooled target: not one object shared by every
								// request
			}
		}
		return current;
	}

}

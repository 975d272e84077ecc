package dev.sluice.ratelimit;

import java.lang.reflect.Field;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Map;

/**
 * Tells whether the JDK looked a host name up, by reading {@link InetAddress}'s cache of
 * lookups (every name lookup, answered or failed, leaves an entry; a literal address
 * leaves none). Needs {@code --add-opens java.base/java.net=ALL-UNNAMED}, which the
 * module's surefire configuration sets.
 */
final class NameLookups {

	private static final Map<?, ?> CACHE = cache();

	private NameLookups() {
	}

	/**
	 * Whether {@code host} was ever looked up as a name in this JVM.
	 * @param host the text that may have been handed to
	 * {@link InetAddress#getByName(String)}
	 * @return {@code true} if the JDK's name cache holds it
	 */
	static boolean wasLookedUp(String host) {
		return CACHE.containsKey(host) || CACHE.containsKey(host.toLowerCase(Locale.ROOT));
	}

	private static Map<?, ?> cache() {
		try {
			Field field = InetAddress.class.getDeclaredField("cache");
			field.setAccessible(true);
			return (Map<?, ?>) field.get(null);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException(
					"Cannot read InetAddress's name cache; run with " + "--add-opens java.base/java.net=ALL-UNNAMED",
					ex);
		}
	}

}

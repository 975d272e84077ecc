package dev.sluice.testapps.safety.cases;

import java.text.SimpleDateFormat;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Small classes, one trait each, for the handler-safety inspector's unit tests.
 */
public final class Cases {

	private Cases() {
	}

	public static class StoresIntoAnArray {

		private final long[] perSecond = new long[60];

		public void hit(int second) {
			this.perSecond[second % 60] = System.nanoTime();
		}

	}

	public static class ReadsConstants {

		private static final String[] HEADERS = { "X-One", "X-Two" };

		private static final List<String> NAMES = List.of("a");

		public String header(int i) {
			return HEADERS[i] + NAMES.get(0) + HEADERS.length;
		}

	}

	public static class FillsAMapInItsConstructorOnly {

		private final Map<String, Integer> lengths = new HashMap<>();

		private final List<String> copies = new ArrayList<>();

		public FillsAMapInItsConstructorOnly(List<String> words) {
			for (String word : words) {
				this.lengths.put(word, word.length());
				this.copies.add(word);
			}
		}

		public List<Integer> lengths(List<String> words) {
			List<Integer> found = new ArrayList<>();
			for (String word : words) {
				found.add(this.lengths.get(word));
			}
			found.add(this.copies.size());
			List<Object> sink = new ArrayList<>();
			sink.add(this.copies); // the field is an argument here, not the receiver
			return found;
		}

	}

	public static class FormatsWithASharedFormat {

		private final SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd");

		private final DateTimeFormatter safe = DateTimeFormatter.ISO_LOCAL_DATE;

		public String format(Date date) {
			return this.format.format(date) + this.safe;
		}

	}

	public static class AppendsToABuilder {

		private final StringBuilder log = new StringBuilder();

		public void log(String line) {
			this.log.append(line).append('\n');
		}

	}

	public static class VolatileButSharedMap {

		private volatile Map<String, String> cache = new HashMap<>();

		public void remember(String key) {
			this.cache.put(key, key);
		}

	}

	public static class ConcurrentState {

		private final Map<String, String> cache = new ConcurrentHashMap<>();

		private static int started;

		static {
			started = 1;
		}

		public void remember(String key) {
			this.cache.put(key, key + started);
		}

	}

	public static class WritesAStaticCounter {

		private static long requests;

		public void handle() {
			requests++;
		}

	}

	public static class Counter {

		private int count;

		public int increment() {
			return ++this.count;
		}

	}

	public interface Greeting {

		String greet();

	}

	public static class CountingGreeting implements Greeting {

		private int greeted;

		@Override
		public String greet() {
			return "hello " + (++this.greeted);
		}

	}

}

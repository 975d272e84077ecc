package dev.sluice.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Parses configured path patterns once, at start-up (kept apart from {@link Validation}
 * so non-web applications never load Spring Web's classes).
 */
final class PathPatterns {

	private PathPatterns() {
	}

	/** Parses {@code patterns}, naming a bad one {@code property[i]}. */
	static List<PathPattern> parseAll(String property, List<String> patterns) {
		List<PathPattern> parsed = new ArrayList<>(patterns.size());
		for (int i = 0; i < patterns.size(); i++) {
			parsed.add(parse(property + "[" + i + "]", patterns.get(i)));
		}
		return parsed;
	}

	static PathPattern parse(String property, String pattern) {
		try {
			return PathPatternParser.defaultInstance.parse(pattern);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidSluiceConfigurationException(property, pattern,
					"is not a valid path pattern: " + ex.getMessage(),
					"Fix " + property + " using Spring's PathPattern syntax, such as /api/**.");
		}
	}

}

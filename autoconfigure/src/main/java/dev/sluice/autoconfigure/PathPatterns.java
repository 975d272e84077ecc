package dev.sluice.autoconfigure;

import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Parses configured path patterns once, at start-up (kept apart from {@link Validation} so non-web
 * applications never load Spring Web's classes).
 */
final class PathPatterns {

	private PathPatterns() {
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

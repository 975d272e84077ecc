package dev.sluice.web;

import java.util.List;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Path patterns matched against a request exactly as {@link PathPattern#matches} matches
 * the request's parsed path, but without parsing it where the patterns and the path allow
 * a plain string comparison: a literal pattern ({@code /hello}) or a literal prefix with
 * {@code /**} ({@code /reports/**}) against a request URI without percent-encoding or
 * path parameters ({@code %}, {@code ;}), whose decoded segments are then its raw ones.
 * Any other pattern or path is matched on the parsed path ({@link RequestPaths#of}).
 * <p>
 * Sluice's filters run before Spring MVC, which parses the path again for itself: a
 * filter that parsed it would add a parse to every request.
 */
public final class RequestPathPatterns {

	private static final String EVERYTHING = "/**";

	private final List<PathPattern> patterns;

	// per pattern: the whole path it matches (a literal pattern), or null
	private final String[] literals;

	// per pattern: the path it and everything below it match (a literal prefix with /**),
	// or null
	private final String[] prefixes;

	private final boolean plain; // every pattern is a literal or a literal prefix

	private final boolean everything; // /** among them: every path matches

	private RequestPathPatterns(List<PathPattern> patterns) {
		this.patterns = List.copyOf(patterns);
		int count = this.patterns.size();
		this.literals = new String[count];
		this.prefixes = new String[count];
		boolean plain = true;
		boolean everything = false;
		for (int i = 0; i < count; i++) {
			String pattern = this.patterns.get(i).getPatternString();
			if (EVERYTHING.equals(pattern)) {
				everything = true;
			}
			else if (pattern.endsWith(EVERYTHING) && isLiteral(pattern.substring(0, pattern.length() - 3))) {
				this.prefixes[i] = pattern.substring(0, pattern.length() - 3);
			}
			else if (isLiteral(pattern)) {
				this.literals[i] = pattern;
			}
			else {
				plain = false;
			}
		}
		this.plain = plain;
		this.everything = everything;
	}

	/**
	 * Prepares patterns for matching.
	 * @param patterns the patterns, parsed by Spring's default {@code PathPatternParser}
	 * @return the patterns
	 */
	public static RequestPathPatterns of(List<PathPattern> patterns) {
		return new RequestPathPatterns(patterns);
	}

	/**
	 * Whether a path without wildcards, captures, encoding or parameters, starting with a
	 * slash: a pattern that matches exactly the paths equal to it.
	 */
	private static boolean isLiteral(String pattern) {
		if (pattern.isEmpty() || pattern.charAt(0) != '/') {
			return false;
		}
		for (int i = 0; i < pattern.length(); i++) {
			switch (pattern.charAt(i)) {
				case '*', '?', '{', '}', '%', ';', '\\' -> {
					return false;
				}
				default -> {
				}
			}
		}
		return true;
	}

	/**
	 * Whether any pattern matches the path of a request on its way through Sluice's
	 * stages, whose plain path is worked out once for all of them.
	 * @param pass the request's pass
	 * @return {@code true} if one matches
	 */
	public boolean matches(RequestPass pass) {
		if (this.everything) {
			return true;
		}
		if (this.plain) {
			int start = pass.plainPathStart();
			if (start >= 0) {
				return matchesPlain(pass.plainUri(), start);
			}
		}
		return matches(RequestPaths.of(pass.request()));
	}

	/**
	 * Whether any pattern matches a parsed path.
	 * @param path the path within the application
	 * @return {@code true} if one matches
	 */
	public boolean matches(PathContainer path) {
		for (PathPattern pattern : this.patterns) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

	private boolean matchesPlain(String uri, int start) {
		int length = uri.length() - start;
		for (int i = 0; i < this.literals.length; i++) {
			String literal = this.literals[i];
			if (literal != null) {
				if (length == literal.length() && uri.startsWith(literal, start)) {
					return true;
				}
				continue;
			}
			String prefix = this.prefixes[i];
			if (prefix != null && uri.startsWith(prefix, start)
					&& (length == prefix.length() || uri.charAt(start + prefix.length()) == '/')) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The patterns, in order.
	 * @return the patterns
	 */
	public List<PathPattern> patterns() {
		return this.patterns;
	}

	/**
	 * Whether there are none.
	 * @return {@code true} if no pattern was given
	 */
	public boolean isEmpty() {
		return this.patterns.isEmpty();
	}

}

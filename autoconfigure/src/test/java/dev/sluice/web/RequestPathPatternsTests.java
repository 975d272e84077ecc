package dev.sluice.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.http.MappingMatch;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletMapping;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RequestPathPatterns} decides as {@link PathPattern#matches} does on the parsed
 * path, for every pattern and request, whether or not it took the plain comparison.
 */
class RequestPathPatternsTests {

	private static final List<String> PATTERNS = List.of("/hello", "/reports/**", "/**", "/", "/a/b/", "/api/{id}",
			"/files/*.txt", "/h?llo", "/héllo", "/a//b", "/Hello", "/reports", "/a/b/**", "/a/*/b");

	private static final List<String> SEGMENTS = List.of("", "hello", "Hello", "reports", "a", "b", "api", "x", "files",
			"héllo", "h%65llo", "hello%20", "hello;x=1", "r.txt", "..", ".", "%2F", "reports;v=2");

	@Test
	void everyPatternAloneAndTogetherMatchesAsThePatternMatchesTheParsedPath() throws Exception {
		Random random = new Random(20261201);
		List<String> uris = new ArrayList<>(List.of("/", "/hello", "/hello/", "//hello", "/reports", "/reports/",
				"/reportsx", "/reports//x", "/a/b", "/a/b/", "/a//b", "/h%65llo", "/hello;jsessionid=1", "/héllo"));
		for (int i = 0; i < 3000; i++) {
			StringBuilder uri = new StringBuilder();
			int segments = 1 + random.nextInt(4);
			for (int s = 0; s < segments; s++) {
				uri.append((random.nextInt(10) == 0) ? "//" : "/")
					.append(SEGMENTS.get(random.nextInt(SEGMENTS.size())));
			}
			uris.add(uri.toString());
		}
		int plainDecided = 0;
		for (String context : List.of("", "/app")) {
			for (String uri : uris) {
				for (int p = 0; p < PATTERNS.size(); p++) {
					List<PathPattern> one = List.of(parse(PATTERNS.get(p)));
					List<PathPattern> two = List.of(parse(PATTERNS.get(p)),
							parse(PATTERNS.get((p + 1) % PATTERNS.size())));
					for (List<PathPattern> patterns : List.of(one, two)) {
						MockHttpServletRequest request = request(context, uri);
						boolean expected = expected(patterns, request);
						MockHttpServletRequest fresh = request(context, uri);
						boolean actual = matches(patterns, fresh);
						assertThat(actual).as("%s against %s (context path '%s')", patterns, uri, context)
							.isEqualTo(expected);
						if (!ServletRequestPathUtils.hasParsedRequestPath(fresh)) {
							plainDecided++;
						}
						// a request's pass, its plain path worked out once, matched by
						// one set of patterns after another
						assertPassMatches(request(context, uri), List.of(one, patterns), context, uri);
					}
				}
			}
		}
		assertThat(plainDecided).as("decisions taken without parsing the path").isGreaterThan(10_000);
	}

	private static void assertPassMatches(MockHttpServletRequest request, List<List<PathPattern>> patternSets,
			String context, String uri) throws Exception {
		AtomicInteger stagesRun = new AtomicInteger();
		RequestPass.runAlone((req, res, pass) -> {
			for (List<PathPattern> each : patternSets) {
				assertThat(RequestPathPatterns.of(each).matches(pass))
					.as("%s against the pass of %s (context path '%s')", each, uri, context)
					.isEqualTo(expected(each, request(context, uri)));
			}
			stagesRun.incrementAndGet();
		}, request, new MockHttpServletResponse(), (req, res) -> {
		});
		assertThat(stagesRun).hasValue(1);
	}

	@Test
	void aServletMappedToAPathPrefixIsMatchedOnTheParsedPath() throws Exception {
		MockHttpServletRequest request = request("", "/api/hello");
		request.setServletPath("/api");
		request.setHttpServletMapping(new MockHttpServletMapping("/hello", "/api/*", "dispatcher", MappingMatch.PATH));
		// Spring MVC's path within the application leaves out the servlet's prefix
		assertThat(matches(List.of(parse("/hello")), request)).isTrue();
		assertThat(matches(List.of(parse("/api/hello")), request(request))).isFalse();
	}

	/** Whether the patterns match a request, as a stage sees it on the request's pass. */
	private static boolean matches(List<PathPattern> patterns, MockHttpServletRequest request) throws Exception {
		AtomicReference<Boolean> matched = new AtomicReference<>();
		RequestPass.runAlone((req, res, pass) -> matched.set(RequestPathPatterns.of(patterns).matches(pass)), request,
				new MockHttpServletResponse(), (req, res) -> {
				});
		assertThat(matched.get()).as("the stage ran").isNotNull();
		return matched.get();
	}

	private static MockHttpServletRequest request(MockHttpServletRequest like) {
		MockHttpServletRequest request = request(like.getContextPath(), like.getRequestURI().substring(0));
		request.setServletPath(like.getServletPath());
		request.setHttpServletMapping(like.getHttpServletMapping());
		return request;
	}

	private static boolean expected(List<PathPattern> patterns, MockHttpServletRequest request) {
		RequestPaths.of(request);
		for (PathPattern pattern : patterns) {
			if (pattern.matches(ServletRequestPathUtils.getParsedRequestPath(request).pathWithinApplication())) {
				return true;
			}
		}
		return false;
	}

	private static MockHttpServletRequest request(String context, String uri) {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", context + uri);
		request.setContextPath(context);
		return request;
	}

	private static PathPattern parse(String pattern) {
		return PathPatternParser.defaultInstance.parse(pattern);
	}

}

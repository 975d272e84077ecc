package dev.sluice.docs;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.BeanUtils;
import org.springframework.core.ResolvableType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's property reference and the configuration metadata an IDE reads must name
 * the same {@code sluice.*} properties. Entries of named maps are written
 * {@code sluice.pools.<name>.size}, entries of lists
 * {@code sluice.rate-limit.rules[].name}; their keys come from the element types, which
 * the metadata itself describes only as a whole.
 */
class ReadmePropertyReferenceTests {

	private static final Pattern PROPERTY = Pattern.compile("`(sluice\\.[a-z0-9.\\-\\[\\]<>]+)`");

	@Test
	void everyPropertyInTheMetadataIsInTheReadmeReferenceAndNothingElse() throws Exception {
		assertThat(readmeReference())
			.as("README '## Property reference' rows (| `name` | default | description |; named-map entries as "
					+ "sluice.pools.<name>.size, list entries as sluice.rate-limit.rules[].name) against the metadata")
			.containsExactlyInAnyOrderElementsOf(metadataProperties());
	}

	@Test
	void metadataDescribesEverySluiceProperty() throws Exception {
		JsonNode metadata = metadata();
		for (JsonNode property : metadata.path("properties")) {
			if (property.get("name").asString().startsWith("sluice.")) {
				assertThat(property.path("description").asString())
					.as("description of %s (Javadoc on the field)", property.get("name").asString())
					.isNotBlank();
			}
		}
	}

	private static Set<String> readmeReference() throws IOException {
		List<String> lines = Files.readAllLines(readme());
		Set<String> names = new TreeSet<>();
		boolean inReference = false;
		for (String line : lines) {
			if (line.startsWith("## ")) {
				inReference = line.equals("## Property reference");
				continue;
			}
			if (inReference && line.startsWith("|")) {
				String firstCell = line.substring(1, Math.max(1, line.indexOf('|', 1)));
				Matcher matcher = PROPERTY.matcher(firstCell);
				while (matcher.find()) {
					names.add(matcher.group(1));
				}
			}
		}
		return names;
	}

	private static Set<String> metadataProperties() throws Exception {
		Set<String> names = new TreeSet<>();
		for (JsonNode property : metadata().path("properties")) {
			String name = property.get("name").asString();
			if (!name.startsWith("sluice.")) {
				continue;
			}
			ResolvableType type = typeOf(property.path("type").asString());
			if (type != null && Map.class.isAssignableFrom(type.toClass()) && isSluiceType(type.getGeneric(1))) {
				addNested(names, name + ".<name>", type.getGeneric(1).toClass());
			}
			else if (type != null && Collection.class.isAssignableFrom(type.toClass())
					&& isSluiceType(type.getGeneric(0))) {
				addNested(names, name + "[]", type.getGeneric(0).toClass());
			}
			else {
				names.add(name);
			}
		}
		return names;
	}

	private static void addNested(Set<String> names, String prefix, Class<?> type) {
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			if (descriptor.getReadMethod() == null || descriptor.getName().equals("class")) {
				continue;
			}
			String name = prefix + "." + kebab(descriptor.getName());
			ResolvableType propertyType = ResolvableType.forMethodReturnType(descriptor.getReadMethod());
			Class<?> raw = propertyType.toClass();
			if (Collection.class.isAssignableFrom(raw) && isSluiceType(propertyType.getGeneric(0))) {
				addNested(names, name + "[]", propertyType.getGeneric(0).toClass());
			}
			else if (Map.class.isAssignableFrom(raw) && isSluiceType(propertyType.getGeneric(1))) {
				addNested(names, name + ".<name>", propertyType.getGeneric(1).toClass());
			}
			else if (isSluiceType(propertyType) && !raw.isEnum()) {
				addNested(names, name, raw);
			}
			else if (descriptor.getWriteMethod() != null || Collection.class.isAssignableFrom(raw)
					|| Map.class.isAssignableFrom(raw)) {
				names.add(name);
			}
		}
	}

	private static boolean isSluiceType(ResolvableType type) {
		Class<?> raw = type.resolve();
		return raw != null && raw.getName().startsWith("dev.sluice.");
	}

	private static ResolvableType typeOf(String name) {
		int generic = name.indexOf('<');
		try {
			Class<?> raw = Class.forName((generic < 0) ? name : name.substring(0, generic));
			if (generic < 0) {
				return ResolvableType.forClass(raw);
			}
			String[] arguments = name.substring(generic + 1, name.length() - 1).split(",");
			ResolvableType[] resolved = new ResolvableType[arguments.length];
			for (int i = 0; i < arguments.length; i++) {
				resolved[i] = ResolvableType.forClass(Class.forName(arguments[i].trim().replaceAll("<.*", "")));
			}
			return ResolvableType.forClassWithGenerics(raw, resolved);
		}
		catch (ClassNotFoundException ex) {
			return null;
		}
	}

	private static String kebab(String camel) {
		return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
	}

	private static JsonNode metadata() throws IOException {
		try (InputStream in = ReadmePropertyReferenceTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(in).as("META-INF/spring-configuration-metadata.json on the test class path: the configuration "
					+ "processor writes it when the main classes compile; an incremental build that recompiled only some "
					+ "of them can leave it out, and './mvnw clean verify' brings it back")
				.isNotNull();
			return JsonMapper.builder().build().readTree(in);
		}
	}

	private static Path readme() {
		Path here = Path.of("").toAbsolutePath();
		Path readme = here.resolve("README.md");
		return Files.exists(readme) ? readme : here.getParent().resolve("README.md");
	}

}

package dev.sluice.testapps.safety.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An application's own {@code GuardedBy}, kept only in the class file (like Error
 * Prone's): the check reads it from the bytecode, by name.
 */
@Retention(RetentionPolicy.CLASS)
@Target({ ElementType.FIELD, ElementType.METHOD })
public @interface GuardedBy {

	String value();

}

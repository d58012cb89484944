package net.servicestack.client;

import java.lang.annotation.*;

/** As net.servicestack:client declares it: a marker on DTO classes. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface DataContract {}

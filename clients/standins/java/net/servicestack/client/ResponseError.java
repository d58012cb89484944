package net.servicestack.client;

import java.util.HashMap;

/** The members net.servicestack:client's ResponseError has. */
public class ResponseError {
    public String errorCode;
    public String fieldName;
    public String message;
    public HashMap<String, String> meta;
}

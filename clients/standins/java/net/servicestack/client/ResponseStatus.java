package net.servicestack.client;

import java.util.ArrayList;
import java.util.HashMap;

/** The members net.servicestack:client's ResponseStatus has. */
public class ResponseStatus {
    public String errorCode;
    public String message;
    public String stackTrace;
    public ArrayList<ResponseError> errors;
    public HashMap<String, String> meta;
}

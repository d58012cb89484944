package net.servicestack.client;

/** As net.servicestack:client declares it: a request names its response type. */
public interface IReturn<T> {
    Object getResponseType();
}

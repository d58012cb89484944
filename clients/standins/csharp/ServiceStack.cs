// The types ServiceStack.Client / ServiceStack.Interfaces give generated C# DTOs, as stand-ins
// with the real names and shapes (markers, the Route attribute, ResponseStatus).
using System;
using System.Collections.Generic;

namespace ServiceStack
{
    public interface IReturn { }
    public interface IReturn<T> : IReturn { }
    public interface IVerb { }
    public interface IGet : IVerb { }
    public interface IPost : IVerb { }
    public interface IPut : IVerb { }
    public interface IDelete : IVerb { }
    public interface IPatch : IVerb { }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = true)]
    public class RouteAttribute : Attribute
    {
        public RouteAttribute(string path, string verbs) { Path = path; Verbs = verbs; }
        public string Path { get; set; }
        public string Verbs { get; set; }
    }

    public class ResponseError
    {
        public string ErrorCode { get; set; }
        public string FieldName { get; set; }
        public string Message { get; set; }
        public Dictionary<string, string> Meta { get; set; }
    }

    public class ResponseStatus
    {
        public string ErrorCode { get; set; }
        public string Message { get; set; }
        public string StackTrace { get; set; }
        public List<ResponseError> Errors { get; set; }
        public Dictionary<string, string> Meta { get; set; }
    }
}

namespace ServiceStack.DataAnnotations
{
    // The generated code imports this namespace; its attributes are unused by our DTOs.
    public class IgnoreAttribute : Attribute { }
}

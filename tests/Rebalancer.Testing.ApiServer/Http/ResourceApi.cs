using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer.Http;

/// <summary>A parsed resource request: <c>/api/v1/…</c> or <c>/apis/{group}/{version}/…</c>.</summary>
internal sealed record ResourceRequest(ResourceType Type, string? Namespace, string? Name, string? Subresource, bool LegacyWatch);

/// <summary>The REST verbs on stored resources: list/watch, get, create, update, patch, delete, the status subresource and
/// the pod eviction subresource.</summary>
internal sealed partial class ResourceApi
{
    private readonly ClusterStore _store;
    private readonly TestApiServerOptions _options;
    private readonly CancellationToken _stopping;

    public ResourceApi(ClusterStore store, TestApiServerOptions options, CancellationToken stopping)
    {
        _store = store;
        _options = options;
        _stopping = stopping;
    }

    /// <summary>Routes <c>/api/**</c> and <c>/apis/**</c>.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        string[] segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        string method = context.Request.Method;
        if (segments.Length == 0)
        {
            await Responses.WriteStatusAsync(context, KubeStatus.NotFoundPath()).ConfigureAwait(false);
            return;
        }

        string group, version;
        int rest;
        if (segments[0] == "api")
        {
            if (segments.Length == 1)
            {
                await GetOnly(context, () => Discovery.ApiVersionsAsync(context)).ConfigureAwait(false);
                return;
            }

            (group, version, rest) = ("", segments[1], 2);
        }
        else
        {
            if (segments.Length == 1)
            {
                await GetOnly(context, () => Discovery.GroupListAsync(context, _store)).ConfigureAwait(false);
                return;
            }

            if (segments.Length == 2)
            {
                await GetOnly(context, () => Discovery.GroupAsync(context, _store, segments[1])).ConfigureAwait(false);
                return;
            }

            (group, version, rest) = (segments[1], segments[2], 3);
        }

        if (!Discovery.TryResourceList(_store, group, version, out byte[] resourceList))
        {
            await Responses.WriteStatusAsync(context, KubeStatus.NotFoundPath()).ConfigureAwait(false);
            return;
        }

        if (segments.Length == rest)
        {
            await GetOnly(context, () => Responses.WriteBytesAsync(context, 200, resourceList)).ConfigureAwait(false);
            return;
        }

        var request = Parse(group, version, segments[rest..]);
        if (request is null)
        {
            await Responses.WriteStatusAsync(context, KubeStatus.NotFoundPath()).ConfigureAwait(false);
            return;
        }

        await DispatchAsync(context, request, method).ConfigureAwait(false);
    }

    private static async Task GetOnly(HttpContext context, Func<Task> handler)
    {
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await Responses.WriteStatusAsync(context, KubeStatus.MethodNotAllowed()).ConfigureAwait(false);
            return;
        }

        await handler().ConfigureAwait(false);
    }

    private static ResourceRequest? Parse(string group, string version, string[] parts)
    {
        bool legacyWatch = false;
        if (parts.Length > 0 && parts[0] == "watch")
        {
            legacyWatch = true;
            parts = parts[1..];
        }

        ResourceType? Type(string plural) => ResourceCatalog.ByGroupVersionPlural(group, version, plural);

        if (parts.Length >= 3 && parts[0] == "namespaces" && Type(parts[2]) is { Namespaced: true } namespaced)
        {
            return parts.Length switch
            {
                3 => new ResourceRequest(namespaced, parts[1], null, null, legacyWatch),
                4 => new ResourceRequest(namespaced, parts[1], parts[3], null, legacyWatch),
                5 => new ResourceRequest(namespaced, parts[1], parts[3], parts[4], legacyWatch),
                _ => null,
            };
        }

        if (parts.Length >= 1 && Type(parts[0]) is { } type)
        {
            return parts.Length switch
            {
                1 => new ResourceRequest(type, null, null, null, legacyWatch),
                2 when !type.Namespaced => new ResourceRequest(type, null, parts[1], null, legacyWatch),
                3 when !type.Namespaced => new ResourceRequest(type, null, parts[1], parts[2], legacyWatch),
                _ => null,
            };
        }

        return null;
    }

    private async Task DispatchAsync(HttpContext context, ResourceRequest request, string method)
    {
        var type = request.Type;
        if (type.Group == "metrics.k8s.io" && !_store.HasMetrics)
        {
            await Responses.WriteStatusAsync(context, KubeStatus.NotFoundPath()).ConfigureAwait(false);
            return;
        }

        if (request.Subresource is { } subresource)
        {
            if (subresource == "eviction" && type == ResourceCatalog.Pods && HttpMethods.IsPost(method))
            {
                await new EvictionHandler(_store).HandleAsync(context, request.Namespace!, request.Name!).ConfigureAwait(false);
            }
            else if (subresource == "status" && type.HasStatusSubresource && HttpMethods.IsGet(method))
            {
                await GetAsync(context, request).ConfigureAwait(false);
            }
            else if (subresource == "status" && type.HasStatusSubresource && (HttpMethods.IsPut(method) || HttpMethods.IsPatch(method)))
            {
                await UpdateAsync(context, request, HttpMethods.IsPatch(method)).ConfigureAwait(false);
            }
            else if (subresource is "eviction" or "status")
            {
                await Responses.WriteStatusAsync(context, KubeStatus.MethodNotAllowed()).ConfigureAwait(false);
            }
            else
            {
                await Responses.WriteStatusAsync(context, KubeStatus.NotFoundPath()).ConfigureAwait(false);
            }

            return;
        }

        string verb = (request.Name, method) switch
        {
            (null, "GET") => request.LegacyWatch || Responses.IsTrue(context.Request.Query["watch"]) ? "watch" : "list",
            (null, "POST") => "create",
            (null, "DELETE") => "deletecollection",
            (not null, "GET") => request.LegacyWatch ? "watch" : "get",
            (not null, "PUT") => "update",
            (not null, "PATCH") => "patch",
            (not null, "DELETE") => "delete",
            _ => "",
        };
        if (verb == "" || !type.SupportsVerb(verb) || verb == "deletecollection")
        {
            await Responses.WriteStatusAsync(context, KubeStatus.MethodNotAllowed()).ConfigureAwait(false);
            return;
        }

        await (verb switch
        {
            "list" => ListAsync(context, request),
            "watch" => WatchAsync(context, request),
            "get" => GetAsync(context, request),
            "create" => CreateAsync(context, request),
            "update" => UpdateAsync(context, request, patch: false),
            "patch" => UpdateAsync(context, request, patch: true),
            _ => DeleteAsync(context, request),
        }).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Selectors shared by list and watch

    private static bool TryParseSelectors(HttpContext context, ResourceType type, out LabelSelector labels, out FieldSelector fields, out KubeStatus? error)
    {
        labels = LabelSelector.Everything;
        fields = FieldSelector.Everything;
        error = null;
        try
        {
            labels = LabelSelector.Parse(context.Request.Query["labelSelector"]);
        }
        catch (FormatException e)
        {
            error = KubeStatus.BadRequest(e.Message);
            return false;
        }

        try
        {
            fields = FieldSelector.Parse(context.Request.Query["fieldSelector"]);
        }
        catch (FormatException e)
        {
            error = KubeStatus.BadRequest(e.Message);
            return false;
        }

        if (fields.UnsupportedField(type, default) is { } unsupported)
        {
            error = KubeStatus.BadRequest($"field label not supported: {unsupported}");
            return false;
        }

        return true;
    }

    private static IEnumerable<StoredObject> Filter(StoreState state, ResourceRequest request, LabelSelector labels, FieldSelector fields) =>
        state.List(request.Type, request.Namespace)
            .Where(o => labels.Matches(o.Labels) && fields.Matches(request.Type, o.Json));

    // ------------------------------------------------------------------------------------------------------------------
    // LIST

    private async Task ListAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var type = request.Type;
        if (!TryParseSelectors(context, type, out var labels, out var fields, out var selectorError))
        {
            await Responses.WriteStatusAsync(context, selectorError!).ConfigureAwait(false);
            return;
        }

        string? continueParam = query["continue"];
        string? resourceVersion = query["resourceVersion"];
        string? match = query["resourceVersionMatch"];
        int limit = 0;
        if (query["limit"] is { Count: > 0 } limitValue && !string.IsNullOrEmpty(limitValue)
            && (!int.TryParse(limitValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit < 0))
        {
            await Responses.WriteStatusAsync(context, KubeStatus.BadRequest($"invalid limit: {limitValue}")).ConfigureAwait(false);
            return;
        }

        if (!string.IsNullOrEmpty(match) && string.IsNullOrEmpty(resourceVersion))
        {
            await Responses.WriteStatusAsync(context, KubeStatus.Invalid("ListOptions.meta.k8s.io", "", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")).ConfigureAwait(false);
            return;
        }

        if (!string.IsNullOrEmpty(match) && !string.IsNullOrEmpty(continueParam))
        {
            await Responses.WriteStatusAsync(context, KubeStatus.Invalid("ListOptions.meta.k8s.io", "", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided")).ConfigureAwait(false);
            return;
        }

        if (match == "Exact" && resourceVersion == "0")
        {
            await Responses.WriteStatusAsync(context, KubeStatus.Invalid("ListOptions.meta.k8s.io", "", "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")).ConfigureAwait(false);
            return;
        }

        if (!type.Versioned)
        {
            await WriteListAsync(context, request, Filter(_store.State, request, labels, fields).ToList(), null, null, null).ConfigureAwait(false);
            return;
        }

        StoreState state;
        string start = "";
        int page = 1;
        if (!string.IsNullOrEmpty(continueParam))
        {
            if (!string.IsNullOrEmpty(resourceVersion) && resourceVersion != "0")
            {
                await Responses.WriteStatusAsync(context, KubeStatus.BadRequest("specifying resource version is not allowed when using continue")).ConfigureAwait(false);
                return;
            }

            if (!ContinueToken.TryDecode(continueParam, out long tokenRevision, out start, out page))
            {
                await Responses.WriteStatusAsync(context, KubeStatus.BadRequest("invalid continue token: illegal base64 data or unexpected content")).ConfigureAwait(false);
                return;
            }

            if (_store.StateAt(tokenRevision) is not { } old)
            {
                await Responses.WriteStatusAsync(context, ExpiredContinue(_store.State.Revision, start, page)).ConfigureAwait(false);
                return;
            }

            state = old;
        }
        else if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
        {
            state = _store.State;
            if (resourceVersion == "0")
            {
                limit = 0; // served from the watch cache: the limit is ignored
            }
        }
        else if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out long requested))
        {
            await Responses.WriteStatusAsync(context, KubeStatus.BadRequest($"invalid resource version: {resourceVersion}")).ConfigureAwait(false);
            return;
        }
        else if (match == "Exact" || (string.IsNullOrEmpty(match) && limit > 0))
        {
            if (_store.StateAt(requested) is not { } exact)
            {
                await Responses.WriteStatusAsync(context, KubeStatus.Expired("The resourceVersion for the provided list is too old.")).ConfigureAwait(false);
                return;
            }

            state = exact;
        }
        else
        {
            state = _store.State; // NotOlderThan / legacy "at least this fresh"
        }

        // The page starts at the token's key (found by binary search in the pinned revision's key order) and reads only
        // until it has found one matching object more than the limit (so a full last page gets no token): a page costs
        // O((limit + skipped) · log n), not a pass over the rest of the collection.
        var collection = state.Of(type);
        var (first, end) = collection.Range(type.Namespaced ? request.Namespace : null);
        if (start.Length > 0)
        {
            first = Math.Max(first, collection.LowerBound(start));
        }

        bool everything = labels.IsEverything && fields.IsEverything;
        var matching = new List<StoredObject>(limit > 0 ? Math.Min(limit, Math.Max(0, end - first)) : Math.Max(0, end - first));
        string? next = null;
        long? remaining = null;
        int i = first - 1;
        foreach (var obj in collection.Slice(first, end))
        {
            i++;
            if (!everything && !(labels.Matches(obj.Labels) && fields.Matches(type, obj.Json)))
            {
                continue;
            }

            if (limit > 0 && matching.Count == limit)
            {
                // As etcd3's GetList: the token starts right after the last key returned (key + "\0"), so a token
                // continued inconsistently after a 410 also sees objects created after that key meanwhile.
                next = ContinueToken.Encode(state.Revision, matching[^1].Key + "\0", page + 1);
                if (everything)
                {
                    remaining = end - i; // every object from here on is in the rest of the list
                }

                break;
            }

            matching.Add(obj);
        }

        await WriteListAsync(context, request, matching, state.Revision.ToString(CultureInfo.InvariantCulture), next, remaining).ConfigureAwait(false);
    }

    internal static KubeStatus ExpiredContinue(long currentRevision, string start, int page) => KubeStatus.Expired(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        ContinueToken.Encode(currentRevision, start, page));

    private Task WriteListAsync(HttpContext context, ResourceRequest request, List<StoredObject> items, string? resourceVersion, string? next, long? remaining)
    {
        var type = request.Type;
        if (type.Versioned && Tables.Wanted(context.Request))
        {
            string includeObject = context.Request.Query["includeObject"].ToString();
            return Responses.WriteJsonAsync(context, 200,
                w => Tables.Write(w, type, items, _store.Now, includeObject, resourceVersion, next, remaining), Tables.ContentType);
        }

        return Responses.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", type.ListKind);
            w.WriteString("apiVersion", type.ApiVersion);
            w.WriteStartObject("metadata");
            if (resourceVersion is not null)
            {
                w.WriteString("resourceVersion", resourceVersion);
            }

            if (next is not null)
            {
                w.WriteString("continue", next);
            }

            if (remaining is { } count)
            {
                w.WriteNumber("remainingItemCount", count);
            }

            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in items)
            {
                Json.WriteObjectWithout(w, type.View(item.Json), "kind", "apiVersion");
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    // ------------------------------------------------------------------------------------------------------------------
    // WATCH

    private async Task WatchAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var type = request.Type;
        if (!type.Versioned)
        {
            await Responses.WriteStatusAsync(context, KubeStatus.MethodNotAllowed()).ConfigureAwait(false);
            return;
        }

        if (!TryParseSelectors(context, type, out var labels, out var fields, out var selectorError))
        {
            await Responses.WriteStatusAsync(context, selectorError!).ConfigureAwait(false);
            return;
        }

        if (request.Name is not null)
        {
            fields = FieldSelector.Parse(AppendTerm(query["fieldSelector"], "metadata.name", request.Name));
        }

        string? resourceVersion = query["resourceVersion"];
        long? from = null;
        if (!string.IsNullOrEmpty(resourceVersion) && resourceVersion != "0")
        {
            if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed))
            {
                await Responses.WriteStatusAsync(context, KubeStatus.BadRequest($"invalid resource version: {resourceVersion}")).ConfigureAwait(false);
                return;
            }

            from = parsed;
        }

        bool sendInitialEvents = Responses.IsTrue(query["sendInitialEvents"]);
        bool bookmarks = Responses.IsTrue(query["allowWatchBookmarks"]);
        if (sendInitialEvents)
        {
            from = null;
        }

        var timeout = TimeSpan.Zero;
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out int seconds) && seconds > 0)
        {
            timeout = TimeSpan.FromSeconds(seconds);
        }

        bool table = Tables.Wanted(context.Request);
        string includeObject = query["includeObject"].ToString();
        var subscription = _store.Subscribe(type, request.Namespace, labels, fields, from);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        if (timeout > TimeSpan.Zero)
        {
            cancellation.CancelAfter(timeout);
        }

        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = Responses.JsonContentType;
            context.Response.Headers.CacheControl = "no-cache, private";
            await context.Response.StartAsync(cancellation.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cancellation.Token).ConfigureAwait(false);
            bool first = true;
            var initialEnd = sendInitialEvents ? subscription.Events.Count : -1;
            int sent = 0;
            var bookmarkInterval = _options.WatchBookmarkInterval;
            while (true)
            {
                if (initialEnd >= 0 && sent == initialEnd)
                {
                    await WriteBookmarkAsync(context, type, _store.ResourceVersion, initialEventsEnd: true, cancellation.Token).ConfigureAwait(false);
                    initialEnd = -1;
                }

                Task<bool> wait = subscription.Events.WaitToReadAsync(cancellation.Token).AsTask();
                if (bookmarks && bookmarkInterval > TimeSpan.Zero)
                {
                    var finished = await Task.WhenAny(wait, Task.Delay(bookmarkInterval, cancellation.Token)).ConfigureAwait(false);
                    if (finished != wait)
                    {
                        await WriteBookmarkAsync(context, type, _store.ResourceVersion, initialEventsEnd: false, cancellation.Token).ConfigureAwait(false);
                        continue;
                    }
                }

                if (!await wait.ConfigureAwait(false))
                {
                    break;
                }

                while (subscription.Events.TryRead(out var watchEvent))
                {
                    byte[] line = Json.Serialize(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("type", watchEvent.Type);
                        w.WritePropertyName("object");
                        if (table && watchEvent.Source is { } source)
                        {
                            Tables.Write(w, type, [source], _store.Now, includeObject, source.ResourceVersion.ToString(CultureInfo.InvariantCulture), null, null, includeColumns: first);
                            first = false;
                        }
                        else
                        {
                            watchEvent.Object.WriteTo(w);
                        }

                        w.WriteEndObject();
                    });
                    await context.Response.Body.WriteAsync(line, cancellation.Token).ConfigureAwait(false);
                    await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellation.Token).ConfigureAwait(false);
                    sent++;
                }

                await context.Response.Body.FlushAsync(cancellation.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // client went away, timeoutSeconds elapsed, or the server is stopping: end the stream
        }
        catch (IOException)
        {
            // connection reset
        }
        finally
        {
            _store.Unsubscribe(subscription);
        }
    }

    private static async Task WriteBookmarkAsync(HttpContext context, ResourceType type, long revision, bool initialEventsEnd, CancellationToken cancellationToken)
    {
        byte[] line = Json.Serialize(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "BOOKMARK");
            w.WriteStartObject("object");
            w.WriteString("kind", type.Kind);
            w.WriteString("apiVersion", type.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", revision.ToString(CultureInfo.InvariantCulture));
            if (initialEventsEnd)
            {
                w.WriteStartObject("annotations");
                w.WriteString("k8s.io/initial-events-end", "true");
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });
        await context.Response.Body.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string AppendTerm(string? selector, string field, string value)
    {
        string term = field + "=" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);
        return string.IsNullOrEmpty(selector) ? term : selector + "," + term;
    }

    // ------------------------------------------------------------------------------------------------------------------
    // GET

    private async Task GetAsync(HttpContext context, ResourceRequest request)
    {
        var obj = _store.State.Get(request.Type, request.Namespace ?? "", request.Name!);
        if (obj is null)
        {
            await Responses.WriteStatusAsync(context, KubeStatus.NotFound(request.Type, request.Name!)).ConfigureAwait(false);
            return;
        }

        if (request.Type.Versioned && Tables.Wanted(context.Request))
        {
            string includeObject = context.Request.Query["includeObject"].ToString();
            await Responses.WriteJsonAsync(context, 200,
                w => Tables.Write(w, request.Type, [obj], _store.Now, includeObject, obj.ResourceVersion.ToString(CultureInfo.InvariantCulture), null, null),
                Tables.ContentType).ConfigureAwait(false);
            return;
        }

        await Responses.WriteObjectAsync(context, 200, request.Type.View(obj.Json)).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Shared checks for writes

    internal static KubeStatus? ValidateDryRun(IEnumerable<string?> values, string optionsKind)
    {
        var invalid = values.Where(v => v != "All").ToList();
        return invalid.Count == 0 ? null
            : KubeStatus.Invalid(optionsKind, "", $"dryRun: Unsupported value: []string{{{string.Join(", ", invalid.Select(v => "\"" + v + "\""))}}}: supported values: \"All\"");
    }

    private static bool IsDryRun(HttpContext context, out KubeStatus? error, string optionsKind)
    {
        var values = context.Request.Query["dryRun"].Where(v => !string.IsNullOrEmpty(v)).ToList();
        error = ValidateDryRun(values, optionsKind);
        return values.Count > 0;
    }

    /// <summary>NamespaceLifecycle admission for creates: the namespace must exist and not be terminating.</summary>
    internal static KubeStatus? CheckNamespaceForCreate(StoreState state, ResourceType type, string ns, string name)
    {
        if (!type.Namespaced)
        {
            return null;
        }

        var namespaceObject = state.Get(ResourceCatalog.Namespaces, "", ns);
        if (namespaceObject is null)
        {
            return KubeStatus.NotFound(ResourceCatalog.Namespaces, ns);
        }

        if (namespaceObject.Json.Str("status", "phase") == "Terminating" || namespaceObject.Json.Str("metadata", "deletionTimestamp") is not null)
        {
            var status = KubeStatus.Forbidden(type.QualifiedResource, type.Group, type.Plural, name,
                $"unable to create new content in namespace {ns} because it is being terminated");
            status.Causes.Add(("NamespaceTerminating", $"namespace {ns} is being terminated", "metadata.namespace"));
            return status;
        }

        return null;
    }

    private static KubeStatus? CheckKind(ResourceType type, JsonObject body)
    {
        string? kind = body.GetString("kind");
        string? apiVersion = body.GetString("apiVersion");
        if (kind is not null && kind != type.Kind)
        {
            return KubeStatus.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }

        if (apiVersion is not null && apiVersion != type.ApiVersion && !(type == ResourceCatalog.PodDisruptionBudgets && apiVersion == "policy/v1beta1"))
        {
            return KubeStatus.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        body["kind"] = type.Kind;
        body["apiVersion"] = type.ApiVersion;
        return null;
    }

    // ------------------------------------------------------------------------------------------------------------------
    // CREATE

    private async Task CreateAsync(HttpContext context, ResourceRequest request)
    {
        var type = request.Type;
        bool dryRun = IsDryRun(context, out var dryRunError, "CreateOptions.meta.k8s.io");
        var (body, bodyError) = await Responses.ReadBodyAsync(context, allowEmpty: false).ConfigureAwait(false);
        if ((dryRunError ?? bodyError ?? CheckKind(type, body!)) is { } early)
        {
            await Responses.WriteStatusAsync(context, early).ConfigureAwait(false);
            return;
        }

        var created = body!;
        var metadata = created.EnsureObject("metadata");
        string ns = "";
        if (type.Namespaced)
        {
            string? bodyNamespace = metadata.GetString("namespace");
            if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != request.Namespace)
            {
                await Responses.WriteStatusAsync(context, KubeStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request")).ConfigureAwait(false);
                return;
            }

            ns = request.Namespace ?? "";
            if (ns.Length == 0)
            {
                await Responses.WriteStatusAsync(context, KubeStatus.NotFoundPath()).ConfigureAwait(false);
                return;
            }

            metadata["namespace"] = ns;
        }

        string? name = metadata.GetString("name");
        if (string.IsNullOrEmpty(name) && metadata.GetString("generateName") is { Length: > 0 } prefix)
        {
            name = prefix + RandomSuffix();
            metadata["name"] = name;
        }

        if (string.IsNullOrEmpty(name))
        {
            await Responses.WriteStatusAsync(context, KubeStatus.Invalid(type.Kind, "", "metadata.name: Required value: name or generateName is required")).ConfigureAwait(false);
            return;
        }

        var result = _store.Transaction(() => CreateLocked(type, ns, name, created, dryRun));
        await WriteResultAsync(context, type, result).ConfigureAwait(false);
    }

    /// <summary>
    /// The storage part of a create (store lock held): NamespaceLifecycle admission, AlreadyExists, the system fields,
    /// the resource's validation (422), then the commit — or, in a dry run, the object that would have been stored.
    /// <paramref name="created"/> is in the request's shape; the result is in the stored shape.
    /// </summary>
    private (int Code, JsonElement? Object, KubeStatus? Error) CreateLocked(ResourceType type, string ns, string name, JsonObject created, bool dryRun)
    {
        var state = _store.State;
        if (CheckNamespaceForCreate(state, type, ns, name) is { } admission)
        {
            return (0, null, admission);
        }

        if (state.Get(type, ns, name) is not null)
        {
            return (0, null, KubeStatus.AlreadyExists(type, name));
        }

        var metadata = created.EnsureObject("metadata");
        metadata.Remove("resourceVersion");
        metadata["uid"] = _store.NewUid();
        metadata["creationTimestamp"] = Json.Rfc3339(_store.Now);
        metadata.Remove("deletionTimestamp");
        if (type.HasGeneration)
        {
            metadata["generation"] = 1;
        }

        if (type == ResourceCatalog.Namespaces)
        {
            created["status"] = new JsonObject { ["phase"] = "Active" };
        }
        else if (type == ResourceCatalog.PodDisruptionBudgets)
        {
            created["status"] = new JsonObject { ["disruptionsAllowed"] = 0, ["currentHealthy"] = 0, ["desiredHealthy"] = 0, ["expectedPods"] = 0 };
        }
        else if (type == ResourceCatalog.Pods && created["status"] is not JsonObject)
        {
            created["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
        }

        var stored = type.IsView ? type.ToStorage!(created) : created;
        if (type.Validate(stored) is { Count: > 0 } invalid)
        {
            return (0, null, KubeStatus.InvalidFields(type.Group, type.Kind, name, invalid));
        }

        return dryRun ? (201, Json.ToElement(stored), null) : (201, _store.CommitPut(type.Storage, stored).Json, null);
    }

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var suffix = new StringBuilder(5);
        for (int i = 0; i < 5; i++)
        {
            suffix.Append(alphabet[Random.Shared.Next(alphabet.Length)]);
        }

        return suffix.ToString();
    }

    /// <summary>Writes a write's result: an error Status, or the object (in the stored shape) as <paramref name="type"/> shows it.</summary>
    private static Task WriteResultAsync(HttpContext context, ResourceType type, (int Code, JsonElement? Object, KubeStatus? Error) result)
    {
        if (result.Error is { } error)
        {
            return Responses.WriteStatusAsync(context, error);
        }

        var obj = result.Object!.Value;
        return Responses.WriteObjectAsync(context, result.Code, obj.Str("kind") == type.Storage.Kind ? type.View(obj) : obj);
    }

    // ------------------------------------------------------------------------------------------------------------------
    // UPDATE / PATCH (main resource and /status)

    private async Task UpdateAsync(HttpContext context, ResourceRequest request, bool patch)
    {
        var type = request.Type;
        bool statusOnly = request.Subresource == "status";

        // The real PatchResource checks the content type before anything else, options included (handlers/patch.go).
        string? patchKind = patch ? Patching.Kind(context.Request.ContentType) : null;
        if (patch && patchKind is null)
        {
            await Responses.WriteStatusAsync(context, KubeStatus.UnsupportedPatchType()).ConfigureAwait(false);
            return;
        }

        bool dryRun = IsDryRun(context, out var dryRunError, patch ? "PatchOptions.meta.k8s.io" : "UpdateOptions.meta.k8s.io");
        if (dryRunError is not null)
        {
            await Responses.WriteStatusAsync(context, dryRunError).ConfigureAwait(false);
            return;
        }

        JsonNode? patchBody = null;
        JsonObject? replacement = null;
        if (patch)
        {

            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            string text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                patchBody = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                await Responses.WriteStatusAsync(context, KubeStatus.BadRequest($"error decoding patch: {e.Message}")).ConfigureAwait(false);
                return;
            }
        }
        else
        {
            var (body, bodyError) = await Responses.ReadBodyAsync(context, allowEmpty: false).ConfigureAwait(false);
            if ((bodyError ?? CheckKind(type, body!)) is { } early)
            {
                await Responses.WriteStatusAsync(context, early).ConfigureAwait(false);
                return;
            }

            replacement = body;
        }

        string ns = request.Namespace ?? "";
        string name = request.Name!;
        var result = _store.Transaction<(int Code, JsonElement? Object, KubeStatus? Error)>(() =>
        {
            var existing = _store.State.Get(type, ns, name);
            if (existing is null && !patch && !statusOnly && type.CreatesOnUpdate)
            {
                // AllowCreateOnUpdate: the PUT creates the object, as a POST would.
                var created = replacement!;
                var createdMetadata = created.EnsureObject("metadata");
                if (createdMetadata.GetString("name") is { } createdName && createdName != name)
                {
                    return (0, null, KubeStatus.BadRequest($"the name of the object ({createdName}) does not match the name on the URL ({name})"));
                }

                createdMetadata["name"] = name;
                if (type.Namespaced)
                {
                    createdMetadata["namespace"] = ns;
                }

                return CreateLocked(type, ns, name, created, dryRun);
            }

            if (existing is null)
            {
                return (0, null, KubeStatus.NotFound(type, name));
            }

            JsonObject updated;
            if (!patch)
            {
                updated = replacement!;
                if (type.RequiresResourceVersionOnUpdate && string.IsNullOrEmpty(updated["metadata"]?.GetString("resourceVersion")))
                {
                    // The registry's Update with AllowUnconditionalUpdate() false: the GroupKind is the qualified resource.
                    return (0, null, KubeStatus.InvalidFields(type.Group, type.Plural, name,
                        [FieldError.Invalid("metadata.resourceVersion", "0x0", "must be specified for an update")]));
                }
            }
            else
            {
                updated = Json.ToNode(type.View(existing.Json));
                updated.EnsureObject("metadata").Remove("resourceVersion");
                try
                {
                    Patching.Apply(patchKind!, updated, patchBody!);
                }
                catch (FormatException e)
                {
                    return (0, null, KubeStatus.Custom(422, "Invalid", e.Message));
                }
                catch (InvalidOperationException e)
                {
                    return (0, null, KubeStatus.Custom(422, "Invalid", e.Message));
                }

                updated["kind"] = type.Kind;
                updated["apiVersion"] = type.ApiVersion;
            }

            var metadata = updated.EnsureObject("metadata");
            if (metadata.GetString("name") is { } bodyName && bodyName != name)
            {
                return (0, null, KubeStatus.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})"));
            }

            if (type.Namespaced && metadata.GetString("namespace") is { Length: > 0 } bodyNamespace && bodyNamespace != ns)
            {
                return (0, null, KubeStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
            }

            if (metadata.GetString("resourceVersion") is { Length: > 0 } rv && rv != existing.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                return (0, null, KubeStatus.Conflict(type.QualifiedResource, type.Group, name,
                    "the object has been modified; please apply your changes to the latest version and try again"));
            }

            JsonObject final;
            if (statusOnly)
            {
                final = Json.ToNode(type.View(existing.Json));
                final["status"] = updated["status"]?.DeepClone();
            }
            else
            {
                final = updated;
                final["metadata"] = metadata;
                if (type.HasStatusSubresource)
                {
                    final["status"] = Json.ToNode(type.View(existing.Json))["status"]?.DeepClone();
                }
            }

            var finalMetadata = final.EnsureObject("metadata");
            finalMetadata["name"] = name;
            if (type.Namespaced)
            {
                finalMetadata["namespace"] = ns;
            }

            finalMetadata["uid"] = existing.Uid;
            finalMetadata["creationTimestamp"] = existing.Json.Str("metadata", "creationTimestamp");
            if (existing.Json.Str("metadata", "deletionTimestamp") is { } deletion)
            {
                finalMetadata["deletionTimestamp"] = deletion;
            }

            if (type.HasGeneration)
            {
                long generation = existing.Json.Long("metadata", "generation") ?? 1;
                bool specChanged = !statusOnly && !Json.DeepEquals(existing.Json.At("spec"), Json.ToElement(final["spec"] ?? new JsonObject()));
                finalMetadata["generation"] = specChanged ? generation + 1 : generation;
            }

            var stored = type.IsView ? type.ToStorage!(final) : final;
            if (type.Validate(stored) is { Count: > 0 } invalid)
            {
                return (0, null, KubeStatus.InvalidFields(type.Group, type.Kind, name, invalid));
            }

            if (dryRun)
            {
                stored.EnsureObject("metadata")["resourceVersion"] = existing.ResourceVersion.ToString(CultureInfo.InvariantCulture);
                return (200, Json.ToElement(stored), null);
            }

            return (200, _store.CommitPut(type.Storage, stored, statusOnly).Json, null);
        });
        await WriteResultAsync(context, type, result).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------------------------
    // DELETE

    private async Task DeleteAsync(HttpContext context, ResourceRequest request)
    {
        var type = request.Type;
        bool dryRun = IsDryRun(context, out var dryRunError, "DeleteOptions.meta.k8s.io");
        var (body, bodyError) = await Responses.ReadBodyAsync(context, allowEmpty: true).ConfigureAwait(false);
        if ((dryRunError ?? bodyError) is { } early)
        {
            await Responses.WriteStatusAsync(context, early).ConfigureAwait(false);
            return;
        }

        if (body?["dryRun"] is JsonArray bodyDryRun && bodyDryRun.Count > 0)
        {
            if (ValidateDryRun(bodyDryRun.Select(v => v?.ToString()), "DeleteOptions.meta.k8s.io") is { } invalid)
            {
                await Responses.WriteStatusAsync(context, invalid).ConfigureAwait(false);
                return;
            }

            dryRun = true;
        }

        string? uid = body?["preconditions"]?.GetString("uid");
        string? resourceVersion = body?["preconditions"]?.GetString("resourceVersion");
        string ns = request.Namespace ?? "";
        string name = request.Name!;
        var result = _store.Transaction<(int Code, JsonElement? Object, KubeStatus? Error)>(() =>
        {
            var existing = _store.State.Get(type, ns, name);
            if (existing is null)
            {
                return (0, null, KubeStatus.NotFound(type, name));
            }

            if (CheckPreconditions(existing, uid, resourceVersion) is { } conflict)
            {
                return (0, null, conflict);
            }

            if (dryRun)
            {
                return (200, existing.Json, null);
            }

            var tombstone = _store.DeleteObject(existing);
            if (type == ResourceCatalog.Pods || type == ResourceCatalog.Namespaces)
            {
                return (200, tombstone.Json, null);
            }

            var success = Json.Serialize(KubeStatus.SuccessStatus(200, name, type, existing.Uid).Write);
            using var document = JsonDocument.Parse(success);
            return (200, document.RootElement.Clone(), null);
        });
        await WriteResultAsync(context, type, result).ConfigureAwait(false);
    }

    /// <summary>Storage preconditions of a delete (<c>apiserver pkg/storage interfaces.go Preconditions.Check</c>).</summary>
    internal static KubeStatus? CheckPreconditions(StoredObject existing, string? uid, string? resourceVersion)
    {
        var type = existing.Type;
        if (!string.IsNullOrEmpty(uid) && uid != existing.Uid)
        {
            return KubeStatus.Conflict(type.QualifiedResource, type.Group, existing.Name,
                $"Precondition failed: UID in precondition: {uid}, UID in object meta: {existing.Uid}");
        }

        string current = existing.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(resourceVersion) && resourceVersion != current)
        {
            return KubeStatus.Conflict(type.QualifiedResource, type.Group, existing.Name,
                $"Precondition failed: ResourceVersion in precondition: {resourceVersion}, ResourceVersion in object meta: {current}");
        }

        return null;
    }
}
